# os.uname and platform: the system's name and the machine.
import os
import platform


def main():
    info = os.uname()
    return {
        "sysname": info.sysname,
        "machine": info.machine,
        "system": platform.system(),
        "release_is_text": isinstance(info.release, str) and len(info.release) > 0,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
