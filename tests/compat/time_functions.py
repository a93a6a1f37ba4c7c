# time: gmtime, localtime, strftime, the zone, monotonic and process clocks, sleep.
import time


def main():
    start = time.monotonic()
    time.sleep(0.01)
    cpu = time.process_time()
    return {
        "gmtime": list(time.gmtime(0)),
        "localtime_epoch": list(time.localtime(0))[:6],
        "tzname": list(time.tzname),
        "timezone": time.timezone,
        "strftime": time.strftime("%Y-%m-%d", time.gmtime(86400 * 365)),
        "monotonic_advanced": time.monotonic() > start,
        "process_time_type": type(cpu).__name__,
        "thread_time_type": type(time.thread_time()).__name__,
        "clocks": sorted(
            name
            for name in ("monotonic", "perf_counter", "process_time", "time")
            if time.get_clock_info(name).implementation
        ),
    }
