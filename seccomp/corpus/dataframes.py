# DataFrame work on in-memory data: build, clean, group, merge, pivot, reshape, serialise.
import io

import numpy as np
import pandas as pd


def main():
    rng = np.random.default_rng(7)
    orders = pd.DataFrame(
        {
            "order": range(1, 2001),
            "customer": rng.integers(1, 101, 2000),
            "product": rng.choice(["apple", "pear", "plum", "fig"], 2000),
            "quantity": rng.integers(1, 10, 2000),
            "price": rng.uniform(0.5, 5.0, 2000).round(2),
            "day": pd.date_range("2026-01-01", periods=2000, freq="h"),
        }
    )
    customers = pd.DataFrame(
        {"customer": range(1, 101), "region": ["north", "south", "east", "west"] * 25}
    )
    orders.loc[orders.sample(50, random_state=1).index, "price"] = np.nan
    orders["price"] = orders["price"].fillna(orders["price"].median())
    orders["total"] = orders["quantity"] * orders["price"]

    joined = orders.merge(customers, on="customer", how="left", validate="many_to_one")
    by_region = joined.groupby("region")["total"].agg(["sum", "mean", "count"])
    pivot = joined.pivot_table(
        index="region", columns="product", values="quantity", aggfunc="sum", fill_value=0
    )
    daily = joined.set_index("day").resample("D")["total"].sum()
    rolling = daily.rolling(7, min_periods=1).mean()
    ranked = joined.assign(rank=joined.groupby("region")["total"].rank(ascending=False))
    long = pivot.reset_index().melt(id_vars="region", var_name="product", value_name="qty")
    stats = joined.describe()

    text = io.StringIO()
    joined.head(100).to_csv(text, index=False)
    again = pd.read_csv(io.StringIO(text.getvalue()), parse_dates=["day"])
    as_json = pd.read_json(io.StringIO(by_region.to_json(orient="split")), orient="split")
    categories = joined["product"].astype("category").cat.codes.value_counts().sort_index()
    strings = joined["product"].str.upper().str.cat(sep=",")[:20]

    assert int(by_region["count"].sum()) == 2000
    assert len(again) == 100 and len(long) == 16 and len(as_json) == 4
    return {
        "regions": by_region["count"].to_dict(),
        "pivot_total": int(pivot.to_numpy().sum()),
        "days": len(daily),
        "last_rolling": round(float(rolling.iloc[-1]), 6),
        "top_rank": float(ranked["rank"].min()),
        "mean_quantity": float(stats.loc["mean", "quantity"]),
        "categories": categories.tolist(),
        "strings": strings,
        "frame": joined.head(3)[["order", "region", "total"]],
    }
