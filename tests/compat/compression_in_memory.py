# zlib, gzip, bz2 and lzma compress/decompress round trips in memory.
import bz2
import gzip
import lzma
import zlib


def main():
    payload = bytes(range(256)) * 200
    checks = {
        "zlib": zlib.decompress(zlib.compress(payload, 9)) == payload,
        "gzip": gzip.decompress(gzip.compress(payload, mtime=0)) == payload,
        "bz2": bz2.decompress(bz2.compress(payload)) == payload,
        "lzma": lzma.decompress(lzma.compress(payload)) == payload,
        "crc32": zlib.crc32(payload),
        "adler32": zlib.adler32(payload),
        "gzip_bytes": gzip.compress(b"abc", mtime=0).hex(),
    }
    return checks
