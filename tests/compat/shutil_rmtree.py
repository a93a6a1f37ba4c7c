# shutil.rmtree: a nested tree removed; onerror never called.
import os
import shutil
import tempfile


def main():
    base = tempfile.mkdtemp()
    for depth in range(5):
        path = os.path.join(base, *[f"level{i}" for i in range(depth + 1)])
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "f.txt"), "w") as handle:
            handle.write("x")
    errors = []
    shutil.rmtree(base, onerror=lambda function, path, info: errors.append(function.__name__))
    return {"errors": errors, "exists": os.path.exists(base)}
