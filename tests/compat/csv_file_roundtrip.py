# csv: DictWriter to a file in the temporary folder, DictReader back, and a Sniffer.
import csv
import os
import tempfile


def main():
    path = os.path.join(tempfile.gettempdir(), "people.csv")
    rows = [{"name": "Ada", "age": "36"}, {"name": "Alan, M.", "age": "41"}]
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "age"])
        writer.writeheader()
        writer.writerows(rows)
    with open(path, newline="") as handle:
        back = list(csv.DictReader(handle))
    with open(path, newline="") as handle:
        dialect = csv.Sniffer().sniff(handle.read())
    return {"back": back, "same": back == rows, "delimiter": dialect.delimiter}
