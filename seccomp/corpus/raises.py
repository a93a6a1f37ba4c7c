# outcome: exception
# A script that fails: the wrapper formats the traceback (traceback, linecache).
import json


def parse(text):
    return json.loads(text)


def main():
    return parse("{not json")
