"""Calendar arithmetic shared by the apps."""

import calendar
import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation; at run time the functions import Django where they use it
    from django.db.models import Q


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, or that month's last day when it is shorter
    (31/01 + 1 month = 28/02)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The first instant of `day` in the site's time zone."""
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_range_q(field: str, date_from: datetime.date | None = None, date_to: datetime.date | None = None) -> "Q":
    """`field` (a date-time) falls on a local day from `date_from` to `date_to`, both included.

    The same rows as `field__date__gte` / `__date__lte`, written as bounds on the stored
    instant: the database compares timestamps (and can use an index) instead of converting
    every row to a local date for every condition of an aggregate.

    The first and last days of the calendar bound nothing (every instant falls on or after
    the first, on or before the last): their edges cannot be written as a date-time, and a
    filter typed as 9999-12-31 must still answer (QUALITY S7).
    """
    from django.db.models import Q

    condition = Q()
    if date_from and date_from > datetime.date.min:
        condition &= Q(**{f"{field}__gte": local_midnight(date_from)})
    if date_to and date_to < datetime.date.max:
        condition &= Q(**{f"{field}__lt": local_midnight(date_to + datetime.timedelta(days=1))})
    return condition
