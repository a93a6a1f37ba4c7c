# shutil.disk_usage of the temporary folder: consistent figures, not the figures themselves.
import shutil
import tempfile


def main():
    usage = shutil.disk_usage(tempfile.gettempdir())
    return {
        "fields": list(usage._fields),
        "total_positive": usage.total > 0,
        "consistent": 0 <= usage.free <= usage.total and usage.used <= usage.total,
    }
