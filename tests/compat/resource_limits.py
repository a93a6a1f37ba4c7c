# resource.getrlimit: every common limit is a pair of integers; setrlimit lowers a soft one.
import resource


def main():
    names = [
        "RLIMIT_AS",
        "RLIMIT_CORE",
        "RLIMIT_CPU",
        "RLIMIT_DATA",
        "RLIMIT_FSIZE",
        "RLIMIT_NOFILE",
        "RLIMIT_NPROC",
        "RLIMIT_STACK",
    ]
    shapes = {}
    for name in names:
        soft, hard = resource.getrlimit(getattr(resource, name))
        shapes[name] = [type(soft).__name__, type(hard).__name__]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft - 1, hard))
    return {
        "shapes": shapes,
        "lowered": resource.getrlimit(resource.RLIMIT_NOFILE)[0] == soft - 1,
        "pagesize": resource.getpagesize(),
    }
