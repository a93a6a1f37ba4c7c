# textwrap, string formatting, f-strings, str methods, string.Template.
import string
import textwrap


def main():
    paragraph = (
        "Honest code formats text all the time: reports, tables, messages. "
        "This paragraph is long enough to wrap at forty columns."
    )
    value = 1234567.891
    return {
        "wrapped": textwrap.wrap(paragraph, 40),
        "dedent": textwrap.dedent("    a\n      b\n"),
        "shorten": textwrap.shorten(paragraph, 30),
        "formats": [f"{value:,.2f}", f"{value:e}", f"{42:08b}", f"{'x':^7}|", format(0.5, ".0%")],
        "template": string.Template("$who likes $what").substitute(who="Ann", what="tea"),
        "methods": [
            "Title Case".swapcase(),
            "a-b-c".rpartition("-"),
            "ß".casefold(),
            "  pad ".strip(),
            "42".zfill(5),
        ],
        # printf-style formatting, as many scripts still write it.
        "percent": "%5.1f|%-4s|%x" % (3.14159, "ab", 255),  # noqa: UP031
    }
