"""The wait from reception to the first handover, the dashboard's median (decision 280).

A median does not add up across months and provinces, but a histogram does: `WaitRollup`
counts the cases received in a province and month and handed over by their wait in whole
tenths of a day (floored), the precision the dashboard shows. The median over any months and
provinces is then read from at most a few hundred summed buckets, and the live median
(`overview._median_days_to_handover`, an agency's cases, or without rollups) floors its middle
waits the same way, so both give the same figure: flooring keeps the order of the waits, so
the middle buckets are the buckets of the middle waits.
"""

import datetime
from collections import Counter

from django.db.models import DurationField, ExpressionWrapper, F, Min

from dashboards.models import WAIT_UNIT_SECONDS


def tenths(wait: datetime.timedelta) -> int:
    """A wait in whole tenths of a day, floored."""
    return int(wait.total_seconds() // WAIT_UNIT_SECONDS)


def days(units: list[int]) -> float | None:
    """The mean of the middle bucket(s), in days, to one decimal."""
    if not units:
        return None
    return round(sum(units) / len(units) / 10, 1)


def waits(cases):
    """The handed-over cases of `cases` with their wait to the first handover (`waited`)."""
    return (
        cases.annotate(first_handover=Min("referrals__minutes__handed_over_at"))
        .filter(first_handover__isnull=False)
        .annotate(waited=ExpressionWrapper(F("first_handover") - F("received_at"), output_field=DurationField()))
    )


def histogram(cases) -> Counter:
    """Buckets (tenths) → cases, of the handed-over cases of `cases` (few: the live days)."""
    return Counter(tenths(wait) for wait in waits(cases).order_by().values_list("waited", flat=True))


def median(buckets: Counter) -> float | None:
    """The median wait in days of a histogram, as the live median computes it."""
    count = sum(buckets.values())
    if not count:
        return None
    wanted = sorted({(count - 1) // 2, count // 2})
    found, seen = [], 0
    for unit in sorted(buckets):
        after = seen + buckets[unit]
        found += [unit for rank in wanted if seen <= rank < after]
        seen = after
    return days(found)
