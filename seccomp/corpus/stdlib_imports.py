# Every standard library module the rootfs has: what importing them asks of the kernel.
import importlib
import sys

SKIP = {"antigravity", "this", "idlelib", "turtledemo", "tkinter", "turtle", "__main__"}


def main():
    imported, failed = 0, []
    for name in sorted(sys.stdlib_module_names - SKIP):
        try:
            importlib.import_module(name)
            imported += 1
        except ImportError:
            failed.append(name)
    print("not in the rootfs:", ", ".join(failed))
    return {"imported": imported}
