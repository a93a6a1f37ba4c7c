# A custom exception raised from another one: its type and message.
# outcome: exception
class ReportError(Exception):
    pass


def main():
    try:
        {}["missing"]
    except KeyError as exc:
        raise ReportError("could not build the report") from exc
