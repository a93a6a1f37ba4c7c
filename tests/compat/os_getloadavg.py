# os.getloadavg: available or not, the same answer either way.
import os


def main():
    try:
        load = os.getloadavg()
        return {"available": True, "fields": len(load)}
    except OSError as exc:
        return {"available": False, "error": type(exc).__name__}
