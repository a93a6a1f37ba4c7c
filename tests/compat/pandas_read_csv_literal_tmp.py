# pandas: a CSV written to a literal /tmp path, as notebooks and agents write one, read back.
# outcome[gvisor]: exception
import pandas as pd


def main():
    frame = pd.DataFrame({"city": ["Oslo", "Rome", "Lima"], "visits": [3, 5, 2]})
    frame.to_csv("/tmp/visits.csv", index=False)
    back = pd.read_csv("/tmp/visits.csv")
    return {"same": back.equals(frame), "total": int(back.visits.sum())}
