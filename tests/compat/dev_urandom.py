# /dev/urandom opened as a file, as older code reads random bytes.
def main():
    with open("/dev/urandom", "rb") as source:
        first, second = source.read(16), source.read(16)
    return {"length": len(first), "differ": first != second}
