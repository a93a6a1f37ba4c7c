# pathlib: touch, write_text, write_bytes, read back, stat, unlink(missing_ok).
import tempfile
from pathlib import Path


def main():
    folder = Path(tempfile.mkdtemp())
    marker = folder / "marker"
    marker.touch()
    marker.touch(exist_ok=True)
    (folder / "notes.txt").write_text("first line\nsecond line\n", encoding="utf-8")
    (folder / "blob.bin").write_bytes(bytes(range(10)))
    text = (folder / "notes.txt").read_text(encoding="utf-8")
    (folder / "blob.bin").unlink()
    (folder / "blob.bin").unlink(missing_ok=True)
    return {
        "marker_size": marker.stat().st_size,
        "lines": text.splitlines(),
        "listing": sorted(p.name for p in folder.iterdir()),
    }
