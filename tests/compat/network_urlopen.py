# urllib.request to the internet: no network, in the jail or in the reference.
# outcome: exception
import urllib.request


def main():
    with urllib.request.urlopen("http://example.org/", timeout=2) as response:
        return response.status
