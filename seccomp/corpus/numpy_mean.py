# The seed's second example: numpy imported inside main().
def main():
    import numpy as np

    arr = np.array([1, 2, 3, 4, 5])
    return {"mean": float(np.mean(arr))}
