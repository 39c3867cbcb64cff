"""Percentiles, summaries and ratios: the arithmetic of the benchmark, kept pure for tests."""

import math
from collections.abc import Iterable, Sequence


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (the
    default of numpy and of the `statistics` module's "inclusive" method); None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def latency_summary(milliseconds: Sequence[float]) -> dict:
    """p50/p95/p99/mean/max of request durations in ms."""
    return {
        "p50_ms": rounded(percentile(milliseconds, 50)),
        "p95_ms": rounded(percentile(milliseconds, 95)),
        "p99_ms": rounded(percentile(milliseconds, 99)),
        "mean_ms": rounded(sum(milliseconds) / len(milliseconds)) if milliseconds else None,
        "max_ms": rounded(max(milliseconds)) if milliseconds else None,
    }


def count_summary(values: Sequence[int | float]) -> dict:
    """Median and maximum of a per-request count (SQL queries), None when the server did not say."""
    present = [value for value in values if value is not None]
    if not present:
        return {"median": None, "max": None}
    return {"median": rounded(percentile(present, 50), 1), "max": max(present)}


def throughput(requests: int, seconds: float) -> float | None:
    return rounded(requests / seconds) if seconds > 0 else None


def relative_ratio(
    numerator: float | None,
    numerator_healthz: float | None,
    denominator: float | None,
    denominator_healthz: float | None,
) -> float | None:
    """(numerator ÷ its /healthz) ÷ (denominator ÷ its /healthz): two measurements made at
    different moments compared through the /healthz measured beside each (interleaved, same
    concurrency), so a machine busier during one of them does not show as a change of the page.
    None when any side is missing."""
    return ratio(ratio(numerator, numerator_healthz), ratio(denominator, denominator_healthz))
