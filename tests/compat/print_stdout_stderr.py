# print to stdout and stderr, with flush, end, sep and file arguments; sys.stdout.write.
import sys


def main():
    print("line one")
    print("a", "b", "c", sep="-", end="!\n")
    sys.stdout.write("written directly\n")
    print("to stderr", file=sys.stderr, flush=True)
    print("unicode: é ☕ 😀")
    return "printed"
