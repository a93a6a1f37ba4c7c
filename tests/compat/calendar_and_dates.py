# calendar and date arithmetic: month calendars, leap years, ISO weeks.
import calendar
import datetime


def main():
    return {
        "month": calendar.month(2024, 2),
        "leap": [calendar.isleap(y) for y in (1900, 2000, 2024, 2100)],
        "weekday": calendar.day_name[calendar.weekday(2024, 12, 25)],
        "isoweek": list(datetime.date(2024, 12, 30).isocalendar()),
        "delta": (datetime.date(2025, 3, 1) - datetime.date(2024, 3, 1)).days,
        "ordinal": datetime.date(2024, 1, 1).toordinal(),
    }
