# No terminal: isatty, get_terminal_size, and shutil.get_terminal_size's fallback.
import os
import shutil
import sys


def main():
    try:
        os.get_terminal_size()
        size = "known"
    except OSError as exc:
        size = type(exc).__name__
    return {
        "stdin": sys.stdin.isatty(),
        "stdout": sys.stdout.isatty(),
        "size": size,
        "fallback": list(shutil.get_terminal_size((80, 24))),
    }
