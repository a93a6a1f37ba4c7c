# A folder made under a literal /tmp path, filled and listed.
# outcome[gvisor]: exception
import os


def main():
    os.makedirs("/tmp/output/run1", exist_ok=True)
    for name in ("a.json", "b.json"):
        with open(os.path.join("/tmp/output/run1", name), "w") as handle:
            handle.write("{}")
    return sorted(os.listdir("/tmp/output/run1"))
