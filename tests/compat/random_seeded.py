# random with a seed: the same sequence every time; SystemRandom only by its range.
import random


def main():
    generator = random.Random(12345)
    values = [generator.random() for _ in range(3)]
    choices = generator.choices("abcdef", k=5)
    sample = generator.sample(range(100), 5)
    items = list(range(10))
    generator.shuffle(items)
    random.seed(42)
    return {
        "values": values,
        "choices": choices,
        "sample": sample,
        "shuffled": items,
        "gauss": round(random.gauss(0, 1), 12),
        "randint": random.randint(1, 1000),
        "system": 0 <= random.SystemRandom().random() < 1,
    }
