# The home folder: Path.home, expanduser, and whether a script can write there.
import os
import tempfile
from pathlib import Path


def main():
    home = Path.home()
    probe = home / ".probe"
    probe.write_text("x")
    probe.unlink()
    return {
        "home_is_env": str(home) == os.environ["HOME"],
        "expanduser": os.path.expanduser("~") == os.environ["HOME"],
        "expanduser_path": os.path.expanduser("~/data.csv") == str(home / "data.csv"),
        "home_is_tempdir": str(home) == tempfile.gettempdir(),
        "writable": True,
    }
