# configparser: write an INI file, read it back with interpolation and typed getters.
import configparser
import os
import tempfile


def main():
    path = os.path.join(tempfile.gettempdir(), "settings.ini")
    config = configparser.ConfigParser()
    config["paths"] = {"base": "/data", "input": "%(base)s/in"}
    config["limits"] = {"retries": "3", "ratio": "0.5", "enabled": "yes"}
    with open(path, "w") as handle:
        config.write(handle)
    again = configparser.ConfigParser()
    again.read(path)
    return {
        "input": again["paths"]["input"],
        "retries": again.getint("limits", "retries"),
        "ratio": again.getfloat("limits", "ratio"),
        "enabled": again.getboolean("limits", "enabled"),
        "sections": again.sections(),
    }
