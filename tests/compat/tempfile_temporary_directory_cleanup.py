# TemporaryDirectory: a tree of files and folders inside, all removed when the block ends.
import os
import tempfile


def main():
    with tempfile.TemporaryDirectory() as folder:
        for sub in ("a", "a/b", "c"):
            os.makedirs(os.path.join(folder, sub), exist_ok=True)
            for index in range(3):
                with open(os.path.join(folder, sub, f"file{index}.txt"), "w") as handle:
                    handle.write(sub * 10)
        found = sorted(
            os.path.relpath(os.path.join(root, name), folder)
            for root, _, files in os.walk(folder)
            for name in files
        )
    return {"found": found, "exists_after": os.path.exists(folder)}
