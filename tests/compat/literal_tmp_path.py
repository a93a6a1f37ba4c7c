# A literal path under /tmp, as most scripts and tutorials write one.
# outcome[gvisor]: exception
import os


def main():
    with open("/tmp/report.txt", "w") as handle:
        handle.write("written to /tmp\n")
    with open("/tmp/report.txt") as handle:
        text = handle.read()
    os.remove("/tmp/report.txt")
    return {"text": text, "removed": not os.path.exists("/tmp/report.txt")}
