# sys.exit with a code before main() returns.
# outcome: exited
import sys


def main():
    print("about to exit")
    sys.exit(3)
