# re: groups, named groups, findall, sub with a function, flags, split.
import re


def main():
    text = "Order 123 shipped 2024-05-01; order 456 pending 2024-06-15."
    dates = re.findall(r"(\d{4})-(\d{2})-(\d{2})", text)
    named = [m.groupdict() for m in re.finditer(r"(?P<id>\d{3}) (?P<state>\w+)", text)]
    doubled = re.sub(r"\d+", lambda m: str(int(m.group()) * 2), "a1 b22 c333")
    return {
        "dates": dates,
        "named": named,
        "doubled": doubled,
        "ignorecase": len(re.findall("order", text, re.IGNORECASE)),
        "split": re.split(r"[;,]\s*", "a, b;c ,d"),
        "fullmatch": bool(re.fullmatch(r"[A-Z]\w+", "Hello")),
        "verbose": re.match(r"""(?x) (\w+) \s* = \s* (\d+)""", "x = 42").groups(),
    }
