# pathlib: mkdir(parents, exist_ok), rename, replace, rmdir, is_dir, exists, resolve.
import tempfile
from pathlib import Path


def main():
    root = Path(tempfile.mkdtemp())
    nested = root / "one" / "two"
    nested.mkdir(parents=True)
    nested.mkdir(parents=True, exist_ok=True)
    moved = nested.rename(root / "two")
    (root / "file").write_text("x")
    (root / "file").replace(root / "renamed")
    moved.rmdir()
    return {
        "listing": sorted(p.name for p in root.iterdir()),
        "resolved": (root / "one" / ".." / "renamed").resolve() == (root / "renamed").resolve(),
        "is_dir": (root / "one").is_dir(),
        "exists": (root / "two").exists(),
    }
