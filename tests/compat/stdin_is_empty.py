# stdin: nothing to read, and input() ends with EOFError.
import sys


def main():
    data = sys.stdin.read()
    try:
        input("prompt> ")
        got = "line"
    except EOFError:
        got = "EOFError"
    return {"read": data, "input": got}
