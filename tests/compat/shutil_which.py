# shutil.which: the interpreter on PATH, and a program that is not there.
import shutil
import sys


def main():
    return {
        "python3": shutil.which("python3"),
        "is_executable": shutil.which("python3") and shutil.which("python3").startswith("/usr/bin"),
        "missing": shutil.which("no-such-program"),
        "sys_executable": sys.executable,
    }
