# datetime and zoneinfo: conversions between zones, DST, the local zone, parsing.
import datetime
import zoneinfo


def main():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    summer = datetime.datetime(2024, 7, 1, 12, tzinfo=paris)
    winter = datetime.datetime(2024, 1, 1, 12, tzinfo=paris)
    local = datetime.datetime(2024, 1, 1).astimezone()
    return {
        "summer_offset": summer.utcoffset().total_seconds(),
        "winter_offset": winter.utcoffset().total_seconds(),
        "in_tokyo": summer.astimezone(tokyo).isoformat(),
        "parsed": datetime.datetime.fromisoformat("2024-02-29T23:59:59+01:00").isoformat(),
        "local_offset": local.utcoffset().total_seconds(),
        "zones_available": len(zoneinfo.available_timezones()) > 300,
        "strftime": winter.strftime("%A %d %B %Y %H:%M %Z"),
    }
