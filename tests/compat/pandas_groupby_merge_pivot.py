# pandas: groupby aggregations, a merge, a pivot table and a melt.
import pandas as pd


def main():
    orders = pd.DataFrame(
        {
            "customer": ["a", "b", "a", "c", "b", "a"],
            "product": ["x", "y", "y", "x", "x", "z"],
            "amount": [10, 20, 30, 40, 50, 60],
        }
    )
    customers = pd.DataFrame({"customer": ["a", "b", "c"], "city": ["Oslo", "Rome", "Lima"]})
    merged = orders.merge(customers, on="customer", how="left")
    grouped = merged.groupby("city")["amount"].agg(["sum", "mean", "count"])
    pivot = merged.pivot_table(
        index="customer", columns="product", values="amount", aggfunc="sum", fill_value=0
    )
    melted = pivot.reset_index().melt(id_vars="customer")
    return {
        "grouped": grouped.reset_index().to_dict("records"),
        "pivot": pivot.to_dict(),
        "melted_rows": len(melted),
        "rank": orders.amount.rank().tolist(),
    }
