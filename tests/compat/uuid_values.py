# uuid: versions and formats of uuid4, uuid5 and uuid3; uuid1's version.
import uuid


def main():
    return {
        "uuid4_version": uuid.uuid4().version,
        "uuid5": str(uuid.uuid5(uuid.NAMESPACE_DNS, "example.org")),
        "uuid3": str(uuid.uuid3(uuid.NAMESPACE_URL, "https://example.org")),
        "uuid1_version": uuid.uuid1().version,
        "parsed": uuid.UUID("12345678123456781234567812345678").hex,
    }
