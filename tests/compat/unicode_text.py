# Unicode: normalisation, categories, names, encodings and error handlers.
import unicodedata


def main():
    text = "Crème brûlée — ½ ☕"
    return {
        "nfd_length": len(unicodedata.normalize("NFD", text)),
        "nfkc": unicodedata.normalize("NFKC", "½ ﬁ"),
        "names": [unicodedata.name(c) for c in "é½☕"],
        "categories": [unicodedata.category(c) for c in "aA1 ,"],
        "ascii_replace": text.encode("ascii", "replace").decode(),
        "ascii_ignore": text.encode("ascii", "ignore").decode(),
        "latin1_error": text.encode("latin-1", "backslashreplace").decode("latin-1"),
        "utf8_bytes": len(text.encode()),
        "surrogateescape": b"\xff".decode("utf-8", "surrogateescape")
        .encode("utf-8", "surrogateescape")
        .hex(),
        "unidata": unicodedata.unidata_version,
    }
