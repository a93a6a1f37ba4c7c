# pandas time series: date_range, resample, rolling windows, time zones.
import numpy as np
import pandas as pd


def main():
    index = pd.date_range("2024-03-30", periods=96, freq="h", tz="Europe/Berlin")
    series = pd.Series(np.arange(96, dtype=float), index=index)
    daily = series.resample("D").sum()
    rolling = series.rolling(6).mean().dropna()
    return {
        "daily": {str(k): v for k, v in daily.items()},
        "rolling_last": rolling.iloc[-1],
        "utc_first": str(index.tz_convert("UTC")[0]),
        "business_days": len(pd.bdate_range("2024-01-01", "2024-01-31")),
    }
