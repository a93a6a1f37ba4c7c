# Files named relative to the current directory, as scripts write "output.csv".
import os


def main():
    with open("output.csv", "w") as handle:
        handle.write("a,b\n1,2\n")
    os.mkdir("results")
    with open(os.path.join("results", "summary.txt"), "w") as handle:
        handle.write("ok")
    with open("output.csv") as handle:
        text = handle.read()
    return {
        "text": text,
        "results": os.listdir("results"),
        "absolute_exists": os.path.exists(os.path.abspath("output.csv")),
    }
