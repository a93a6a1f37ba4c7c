# os.urandom and os.getrandom: lengths, and that two draws differ.
import os


def main():
    first, second = os.urandom(32), os.urandom(32)
    return {
        "length": len(first),
        "differ": first != second,
        "getrandom": len(os.getrandom(16)),
        "nonblock": len(os.getrandom(8, os.GRND_NONBLOCK)),
    }
