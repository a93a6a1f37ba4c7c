# datetime, zoneinfo and pandas time zones.
import datetime as dt
import time
import zoneinfo

import pandas as pd


def main():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    moment = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
    local = moment.astimezone(paris)
    stamps = pd.date_range("2026-03-28", periods=48, freq="h", tz="UTC").tz_convert("Europe/Paris")
    business = pd.bdate_range("2026-01-01", "2026-01-31")
    offsets = [stamp.utcoffset().total_seconds() for stamp in stamps[::12]]
    return {
        "local": local.isoformat(),
        "offsets": offsets,
        "business_days": len(business),
        "now_is_recent": time.time() > 1.7e9,
        "monotonic": time.monotonic() > 0,
        "process_time": time.process_time() >= 0,
        "parsed": dt.datetime.strptime("2026-11-26 13:57", "%Y-%m-%d %H:%M"),
        "timestamp": pd.Timestamp("2026-11-26T12:00", tz="America/New_York"),
        "zones": len(zoneinfo.available_timezones()) > 300,
    }
