# pandas: a CSV written to the temporary folder, read back with types and dates parsed.
import os
import tempfile

import pandas as pd


def main():
    path = os.path.join(tempfile.gettempdir(), "sales.csv")
    with open(path, "w") as handle:
        handle.write("date,region,units,price\n")
        for day in range(1, 11):
            handle.write(f"2024-01-{day:02d},{'north' if day % 2 else 'south'},{day},{day * 1.5}\n")
    frame = pd.read_csv(path, parse_dates=["date"])
    frame.to_csv(os.path.join(tempfile.gettempdir(), "copy.csv"), index=False)
    again = pd.read_csv(os.path.join(tempfile.gettempdir(), "copy.csv"))
    return {
        "shape": list(frame.shape),
        "dtypes": [str(t) for t in frame.dtypes],
        "revenue": float((frame.units * frame.price).sum()),
        "same": frame.shape == again.shape,
    }
