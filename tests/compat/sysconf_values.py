# os.sysconf and os.confstr: page size, clock ticks, and the names that exist.
import os


def main():
    return {
        "page_size": os.sysconf("SC_PAGE_SIZE"),
        "clk_tck": os.sysconf("SC_CLK_TCK"),
        "open_max_type": type(os.sysconf("SC_OPEN_MAX")).__name__,
        "phys_pages_positive": os.sysconf("SC_PHYS_PAGES") > 0,
        "online_cpus_positive": os.sysconf("SC_NPROCESSORS_ONLN") > 0,
        "libc": os.confstr("CS_GNU_LIBC_VERSION"),
    }
