# collections, itertools, functools, heapq, bisect, operator: everyday data wrangling.
import bisect
import collections
import functools
import heapq
import itertools
import operator


def main():
    words = "the cat and the hat and the bat".split()
    counts = collections.Counter(words)
    grouped = {k: len(list(g)) for k, g in itertools.groupby(sorted(words))}
    ordered = collections.OrderedDict(sorted(counts.items()))
    ordered.move_to_end("the", last=False)
    deque = collections.deque(range(5), maxlen=3)
    deque.rotate(1)

    @functools.cache
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    return {
        "most_common": counts.most_common(2),
        "grouped": grouped,
        "ordered": list(ordered),
        "deque": list(deque),
        "chain": list(itertools.chain.from_iterable([[1, 2], [3]])),
        "combinations": len(list(itertools.combinations(range(6), 3))),
        "accumulate": list(itertools.accumulate([1, 2, 3, 4], operator.mul)),
        "pairwise": list(itertools.pairwise("abc")),
        "fib": fib(80),
        "reduce": functools.reduce(operator.add, range(101)),
        "nsmallest": heapq.nsmallest(3, [5, 1, 8, 3, 9, 2]),
        "insort": (lambda xs: (bisect.insort(xs, 4), xs)[1])([1, 3, 5]),
        "defaultdict": dict(collections.defaultdict(list, a=[1])),
    }
