# os.times and resource.getrusage: the fields exist and have the expected types.
import os
import resource


def main():
    times = os.times()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "times_fields": [type(value).__name__ for value in times],
        "user_time_nonnegative": usage.ru_utime >= 0,
        "maxrss_type": type(usage.ru_maxrss).__name__,
        "children_type": type(children.ru_utime).__name__,
    }
