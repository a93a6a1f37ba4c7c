# hashlib, hmac and secrets: digests of known data, constant-time compare, token sizes.
import hashlib
import hmac
import secrets


def main():
    data = b"the quick brown fox"
    digests = {
        name: hashlib.new(name, data).hexdigest()
        for name in ("md5", "sha1", "sha256", "sha512", "sha3_256", "blake2b")
    }
    mac = hmac.new(b"key", data, "sha256").hexdigest()
    return {
        "digests": digests,
        "hmac": mac,
        "compare": hmac.compare_digest(mac, hmac.new(b"key", data, "sha256").hexdigest()),
        "pbkdf2": hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1000).hex(),
        "scrypt": hashlib.scrypt(b"pw", salt=b"salt", n=16, r=8, p=1).hex()[:16],
        "token_hex": len(secrets.token_hex(16)),
        "token_urlsafe_type": type(secrets.token_urlsafe()).__name__,
        "below": 0 <= secrets.randbelow(10) < 10,
        "algorithms": "sha256" in hashlib.algorithms_available,
    }
