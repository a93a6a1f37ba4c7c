# logging to a file handler and a rotating handler in the temporary folder.
import logging
import logging.handlers
import os
import tempfile


def main():
    folder = tempfile.mkdtemp()
    logger = logging.getLogger("compat")
    logger.setLevel(logging.DEBUG)
    plain = logging.FileHandler(os.path.join(folder, "app.log"))
    plain.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    rotating = logging.handlers.RotatingFileHandler(
        os.path.join(folder, "rot.log"), maxBytes=200, backupCount=2
    )
    logger.addHandler(plain)
    logger.addHandler(rotating)
    for index in range(20):
        logger.info("message number %d", index)
    logger.warning("done")
    for handler in (plain, rotating):
        handler.close()
        logger.removeHandler(handler)
    with open(os.path.join(folder, "app.log")) as handle:
        lines = handle.read().splitlines()
    return {"lines": len(lines), "last": lines[-1], "files": sorted(os.listdir(folder))}
