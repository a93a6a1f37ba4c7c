# numpy: save/load, savez_compressed, savetxt/loadtxt, tofile/fromfile in the temporary folder.
import os
import tempfile

import numpy as np


def main():
    folder = tempfile.mkdtemp()
    array = np.arange(20, dtype=np.float32).reshape(4, 5)
    np.save(os.path.join(folder, "a.npy"), array)
    np.savez_compressed(os.path.join(folder, "b.npz"), first=array, second=array * 2)
    np.savetxt(os.path.join(folder, "c.txt"), array, fmt="%.1f", delimiter=",")
    array.tofile(os.path.join(folder, "d.bin"))
    loaded = np.load(os.path.join(folder, "a.npy"))
    with np.load(os.path.join(folder, "b.npz")) as archive:
        second = archive["second"]
    text = np.loadtxt(os.path.join(folder, "c.txt"), delimiter=",")
    raw = np.fromfile(os.path.join(folder, "d.bin"), dtype=np.float32)
    mapped = np.load(os.path.join(folder, "a.npy"), mmap_mode="r")
    return {
        "same": [
            bool(np.array_equal(x.reshape(4, 5), array))
            for x in (loaded, second / 2, text, raw, mapped)
        ],
        "files": sorted(os.listdir(folder)),
    }
