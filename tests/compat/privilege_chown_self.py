# shutil.chown of a file of the script's own to its own user and group (a no-op outside).
# outcome: exception
import os
import shutil


def main():
    with open("owned.txt", "w") as handle:
        handle.write("mine")
    shutil.chown("owned.txt", user=os.getuid(), group=os.getgid())
    return "chowned"
