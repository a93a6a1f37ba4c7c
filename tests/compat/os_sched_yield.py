# os.sched_yield in a loop, and the CPUs the process may run on.
import os


def main():
    for _ in range(100):
        os.sched_yield()
    cpus = os.sched_getaffinity(0)
    return {
        "yielded": True,
        "affinity_nonempty": len(cpus) > 0,
        "within_cpu_count": len(cpus) <= (os.cpu_count() or 1),
    }
