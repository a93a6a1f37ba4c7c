# Randomness from every source honest code uses.
import os
import random
import secrets
import uuid

import numpy as np


def main():
    generator = np.random.default_rng()  # seeded from the OS
    legacy = np.random.RandomState()
    draws = generator.normal(size=1000)
    shuffled = list(range(20))
    random.shuffle(shuffled)
    return {
        "urandom": len(os.urandom(32)),
        "token": len(secrets.token_hex(16)),
        "uuid": len(str(uuid.uuid4())),
        "random": 0 <= random.random() < 1,
        "system_random": 0 <= random.SystemRandom().random() < 1,
        "numpy": abs(float(draws.mean())) < 0.5,
        "legacy": 0 <= float(legacy.rand()) < 1,
        "shuffled": sorted(shuffled) == list(range(20)),
        "choice": generator.choice(10, 3, replace=False).size,
    }
