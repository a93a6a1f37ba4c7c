# sys: version, limits, flags, encodings, paths the interpreter reports about itself.
import sys


def main():
    return {
        "version": list(sys.version_info[:2]),
        "recursionlimit": sys.getrecursionlimit(),
        "maxsize": sys.maxsize,
        "byteorder": sys.byteorder,
        "isolated": sys.flags.isolated,
        "platform": sys.platform,
        "executable": sys.executable,
        "prefix": sys.prefix,
        "defaultencoding": sys.getdefaultencoding(),
        "stdio": [sys.stdin.encoding, sys.stdout.encoding, sys.stderr.encoding],
        "errors": [sys.stdout.errors, sys.stderr.errors],
        "path_has_stdlib": any(p.endswith("python3.11") for p in sys.path),
        "float_info": sys.float_info.dig,
        "int_max_str_digits": sys.get_int_max_str_digits(),
        "switchinterval": sys.getswitchinterval(),
    }
