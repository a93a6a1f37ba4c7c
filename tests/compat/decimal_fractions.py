# decimal and fractions: exact arithmetic, contexts, rounding, limits of precision.
import decimal
import fractions


def main():
    decimal.getcontext().prec = 30
    third = decimal.Decimal(1) / decimal.Decimal(3)
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_EVEN
        rounded = [
            str(decimal.Decimal(v).quantize(decimal.Decimal("1"))) for v in ("0.5", "1.5", "2.5")
        ]
    total = sum(fractions.Fraction(1, n) for n in range(1, 11))
    return {
        "third": str(third),
        "rounded": rounded,
        "sqrt2": str(decimal.Decimal(2).sqrt()),
        "harmonic": str(total),
        "limit": str(fractions.Fraction(3.141592653589793).limit_denominator(1000)),
        "money": str(decimal.Decimal("19.99") * 3),
    }
