# The seed's first example.
def main():
    print("Hello from IDE")
    return {"status": "ok"}
