# json: dump to a file and load back, with indentation and non-ASCII text.
import json
import os
import tempfile


def main():
    data = {"name": "café", "values": [1, 2.5, None, True], "nested": {"k": "v"}}
    path = os.path.join(tempfile.gettempdir(), "data.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, sort_keys=True)
    with open(path, encoding="utf-8") as handle:
        back = json.load(handle)
    return {
        "same": back == data,
        "size": os.path.getsize(path),
        "compact": json.dumps(data, separators=(",", ":"), sort_keys=True),
    }
