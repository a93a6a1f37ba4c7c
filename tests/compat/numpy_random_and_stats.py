# numpy: seeded generators, statistics, sorting, broadcasting, histograms.
import numpy as np


def main():
    rng = np.random.default_rng(2024)
    sample = rng.normal(10, 2, size=10_000)
    legacy = np.random.RandomState(1).randint(0, 100, size=5)
    histogram, _ = np.histogram(sample, bins=5, range=(0, 20))
    grid = np.arange(3)[:, None] * np.arange(4)[None, :]
    return {
        "mean": round(float(sample.mean()), 10),
        "percentiles": np.round(np.percentile(sample, [5, 50, 95]), 10).tolist(),
        "legacy": legacy.tolist(),
        "histogram": histogram.tolist(),
        "grid": grid.tolist(),
        "argsort": np.argsort([3, 1, 2]).tolist(),
        "unique": np.unique([3, 1, 3, 2, 1], return_counts=True)[1].tolist(),
        "integers": rng.integers(0, 10, size=5).tolist(),
    }
