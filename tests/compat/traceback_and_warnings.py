# traceback and warnings inside the script: formatted exceptions, caught warnings.
import traceback
import warnings


def fail():
    raise ValueError("bad value")


def main():
    try:
        fail()
    except ValueError:
        lines = traceback.format_exc().splitlines()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("deprecated thing", DeprecationWarning, stacklevel=1)
    return {
        "first": lines[0],
        "last": lines[-1],
        "frames": sum("File" in ln for ln in lines),
        "warnings": [str(w.message) for w in caught],
        "category": caught[0].category.__name__,
    }
