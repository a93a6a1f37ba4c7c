# pathlib glob and rglob over a small tree, with patterns.
import tempfile
from pathlib import Path


def main():
    root = Path(tempfile.mkdtemp())
    for relative in ("a.csv", "b.csv", "c.json", "sub/d.csv", "sub/deeper/e.csv", "sub/f.txt"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(relative)
    return {
        "csv": sorted(p.name for p in root.glob("*.csv")),
        "all_csv": sorted(str(p.relative_to(root)) for p in root.rglob("*.csv")),
        "two_levels": sorted(str(p.relative_to(root)) for p in root.glob("*/*")),
        "match": Path("x/y/z.csv").match("y/*.csv"),
    }
