# ctypes: calling libc functions, structures, arrays and a Python callback (qsort).
import ctypes
import ctypes.util


def main():
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    values = (ctypes.c_int * 6)(5, 2, 9, 1, 7, 3)
    compare = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)
    )(lambda a, b: a[0] - b[0])
    libc.qsort(values, len(values), ctypes.sizeof(ctypes.c_int), compare)

    class Point(ctypes.Structure):
        _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double)]

    return {
        "strlen": libc.strlen(b"hello"),
        "sorted": list(values),
        "sizeof": ctypes.sizeof(Point),
        "abs": libc.abs(-5),
        "found": ctypes.util.find_library("c") is not None,
    }
