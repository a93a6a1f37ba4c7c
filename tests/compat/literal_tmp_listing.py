# Listing /tmp, as a script does to find what it wrote there (or to see that it is empty).
# outcome[gvisor]: exception
import glob
import os


def main():
    return {"glob": glob.glob("/tmp/*"), "listdir": os.listdir("/tmp")}
