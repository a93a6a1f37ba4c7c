# main() raises: the exception's type and message are the outcome, as outside.
# outcome: exception
import json


def main():
    return json.loads('{"broken": ')
