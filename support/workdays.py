"""Working days, for decision deadlines counted in them (Decree 162/2025: a Form 07 claim is
decided within 9 working days).

Saturday and Sunday are off. Vietnam's public holidays (Labour Code 2019 art. 112) — New Year,
Tết, the Hùng Kings' commemoration, 30 April, 1 May and 2 September — are entered by an
administrator each year as `CalendarDay` rows, together with the weekend days worked in
exchange. Nothing is hard-coded: Tết and the Hùng Kings' day follow the lunar calendar, and the
Government announces the swapped days anew every year.
"""

import datetime
from collections.abc import Mapping

from support.models import CalendarDay

WEEKEND = frozenset({5, 6})  # Saturday, Sunday
# Calendar days fetched per working day asked for, plus a margin: enough for weekends and the
# longest Tết break, so one query almost always covers the whole count.
WINDOW_FACTOR = 2
WINDOW_MARGIN = 30


def is_working_day(day: datetime.date, overrides: Mapping[datetime.date, str]) -> bool:
    """A weekday that is not a holiday, or a weekend day worked in exchange."""
    kind = overrides.get(day)
    if kind is not None:
        return kind == CalendarDay.Kind.WORKING
    return day.weekday() not in WEEKEND


def _overrides(after: datetime.date, until: datetime.date) -> dict[datetime.date, str]:
    rows = CalendarDay.objects.filter(date__gt=after, date__lte=until).values_list("date", "kind")
    return dict(rows)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The day on which `days` working days have passed, counting from the working day after
    `start` (the day of filing does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, counted = start, 0
    window_end = start
    overrides: dict[datetime.date, str] = {}
    while counted < days:
        day += datetime.timedelta(days=1)
        if day > window_end:
            window_end = day + datetime.timedelta(days=(days - counted) * WINDOW_FACTOR + WINDOW_MARGIN)
            overrides = _overrides(day - datetime.timedelta(days=1), window_end)
        if is_working_day(day, overrides):
            counted += 1
    return day
