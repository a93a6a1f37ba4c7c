# os.walk top-down and bottom-up over a small tree; os.fwalk as well.
import os
import tempfile


def main():
    root = tempfile.mkdtemp()
    for relative in ("a/b/c", "a/d", "e"):
        os.makedirs(os.path.join(root, relative))
        with open(os.path.join(root, relative, "file"), "w") as handle:
            handle.write(relative)

    def rel(path):
        return os.path.relpath(path, root)

    top_down = [(rel(p), sorted(d), sorted(f)) for p, d, f in os.walk(root)]
    bottom_up = [rel(p) for p, _, _ in os.walk(root, topdown=False)]
    fwalk = sorted(rel(p) for p, _, _, _ in os.fwalk(root))
    return {"top_down": sorted(top_down), "bottom_up_last": bottom_up[-1], "fwalk": fwalk}
