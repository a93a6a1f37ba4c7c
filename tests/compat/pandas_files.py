# pandas: to_json, to_pickle, to_csv compressed, read back from the temporary folder.
import os
import tempfile

import pandas as pd


def main():
    folder = tempfile.mkdtemp()
    frame = pd.DataFrame({"a": range(5), "b": list("vwxyz"), "c": [0.5] * 5})
    frame.to_json(os.path.join(folder, "f.json"), orient="records")
    frame.to_pickle(os.path.join(folder, "f.pkl"))
    frame.to_csv(os.path.join(folder, "f.csv.gz"), index=False)
    back = [
        pd.read_json(os.path.join(folder, "f.json")),
        pd.read_pickle(os.path.join(folder, "f.pkl")),
        pd.read_csv(os.path.join(folder, "f.csv.gz")),
    ]
    return {"equal": [b.equals(frame) for b in back], "files": sorted(os.listdir(folder))}
