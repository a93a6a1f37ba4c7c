# logging.basicConfig to stderr, and warnings shown there: what the script prints to stderr.
import logging
import warnings


def main():
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:%(message)s")
    logging.info("starting")
    logging.getLogger("child").warning("careful")
    warnings.warn("an ordinary warning", UserWarning, stacklevel=1)
    return "logged"
