# outcome: exception
# The seed's third example: the root file system is read-only.
def main():
    import os

    os.mkdir("/should_fail")
    return {"status": "created"}
