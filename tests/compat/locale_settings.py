# locale: the default locale, the preferred encoding, number formatting.
import locale
import sys


def main():
    try:
        chosen = locale.setlocale(locale.LC_ALL, "")  # LANG=C.UTF-8: the rootfs has no others.
    except locale.Error as exc:
        chosen = f"locale.Error: {exc}"
    return {
        "setlocale": chosen,
        "preferred": locale.getpreferredencoding(False),
        "decimal_point": locale.localeconv()["decimal_point"],
        "format": locale.format_string("%.2f", 1234.5, grouping=True),
        "filesystem": sys.getfilesystemencoding(),
        "stdout": sys.stdout.encoding,
        "getlocale": list(locale.getlocale()),
    }
