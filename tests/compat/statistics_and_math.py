# statistics and math: means, medians, deviations, regression, special functions.
import math
import statistics


def main():
    data = [2.5, 3.1, 4.7, 5.0, 6.2, 7.9, 8.4]
    slope, intercept = statistics.linear_regression(range(len(data)), data)
    return {
        "mean": statistics.mean(data),
        "median": statistics.median(data),
        "stdev": round(statistics.stdev(data), 12),
        "quantiles": statistics.quantiles(data, n=4),
        "regression": [round(slope, 12), round(intercept, 12)],
        "correlation": round(statistics.correlation(range(7), data), 12),
        "math": [
            math.gamma(5),
            math.comb(10, 3),
            math.perm(5, 2),
            round(math.erf(1), 12),
            math.gcd(84, 36),
            math.lcm(4, 6),
            math.isclose(0.1 + 0.2, 0.3),
        ],
        "normal": round(statistics.NormalDist(0, 1).cdf(1.96), 12),
    }
