# struct, base64, binascii, codecs and bytes methods.
import base64
import binascii
import codecs
import struct


def main():
    packed = struct.pack("<IhQd?", 1, -2, 3, 4.5, True)
    return {
        "packed": packed.hex(),
        "unpacked": list(struct.unpack("<IhQd?", packed)),
        "calcsize": struct.calcsize("@iqc"),
        "b64": base64.b64encode(b"any carnal pleas").decode(),
        "b32": base64.b32encode(b"abc").decode(),
        "b85": base64.b85encode(b"hello").decode(),
        "urlsafe": base64.urlsafe_b64decode("_-8=").hex(),
        "hexlify": binascii.hexlify(b"\x01\xab", "-").decode(),
        "crc": binascii.crc32(b"hello"),
        "rot13": codecs.encode("Hello", "rot13"),
        "utf16": "é".encode("utf-16-le").hex(),
        "frombytes": int.from_bytes(b"\x01\x00", "little"),
    }
