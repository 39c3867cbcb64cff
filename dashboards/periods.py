"""Fixed calendar periods: the only periods of statistics for those without the mandate.

Suppression hides a small cell, but two figures shown over overlapping periods give the small
one back: 16 people received from 1 to 21 November, 15 from 1 to 20 November, so one person
on 21 November. Whoever sees suppressed figures (no statistics mandate, or a file for sharing)
therefore chooses only a whole calendar month, quarter, half-year or year that has ended
(decision 171). Any two such periods differ by whole months, never by a day; and a period that
has ended no longer changes, so asking again tomorrow tells nothing either.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.lib.dates import add_months

# How far back the choices go (older periods can still be asked for by their dates).
CHOICE_YEARS = 5

NOT_A_FIXED_PERIOD = gettext_lazy(
    "Statistics for sharing, or without the statistics mandate, are given only for a whole calendar "
    "month, quarter, half-year or year that has ended, so that two periods cannot be compared to "
    "find out about one person. Choose a period."
)


def _month_end(start: datetime.date, months: int) -> datetime.date:
    return add_months(start, months) - datetime.timedelta(days=1)


def bounds(code: str) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of a period by its code: "2026", "2026-H1", "2026-Q3",
    "2026-11"; None for anything else."""
    year_text, _sep, part = code.partition("-")
    if not (year_text.isdigit() and len(year_text) == 4):
        return None
    year = int(year_text)
    if year < 1:
        return None
    if not part:
        start, months = datetime.date(year, 1, 1), 12
    elif part in ("H1", "H2"):
        start, months = datetime.date(year, 1 if part == "H1" else 7, 1), 6
    elif part in ("Q1", "Q2", "Q3", "Q4"):
        start, months = datetime.date(year, 3 * int(part[1]) - 2, 1), 3
    elif part.isdigit() and len(part) == 2 and 1 <= int(part) <= 12:
        start, months = datetime.date(year, int(part), 1), 1
    else:
        return None
    return start, _month_end(start, months)


def code_of(date_from: datetime.date | None, date_to: datetime.date | None) -> str | None:
    """The code of the calendar period these two days bound exactly, else None."""
    if date_from is None or date_to is None or date_from.day != 1:
        return None
    year, month = date_from.year, date_from.month
    candidates = [f"{year}-{month:02d}"]
    if month in (1, 4, 7, 10):
        candidates.append(f"{year}-Q{(month + 2) // 3}")
    if month in (1, 7):
        candidates.append(f"{year}-H{1 if month == 1 else 2}")
    if month == 1:
        candidates.append(f"{year}")
    for code in candidates:
        if bounds(code) == (date_from, date_to):
            return code
    return None


def is_fixed(date_from: datetime.date | None, date_to: datetime.date | None, today: datetime.date) -> bool:
    """A whole calendar month, quarter, half-year or year that ended before today."""
    return code_of(date_from, date_to) is not None and date_to is not None and date_to < today


def label(code: str) -> str:
    found = bounds(code)
    if found is None:
        return code
    start, end = found
    year = start.year
    if "-H" in code:
        return (_("First half of %(year)s") if start.month == 1 else _("Second half of %(year)s")) % {"year": year}
    if "-Q" in code:
        return _("Quarter %(quarter)s of %(year)s") % {"quarter": code[-1], "year": year}
    if "-" in code:
        return _("Month %(month)s/%(year)s") % {"month": f"{start.month:02d}", "year": year}
    return _("Year %(year)s") % {"year": year}


def choices(today: datetime.date, years: int = CHOICE_YEARS) -> list[tuple[str, str]]:
    """The periods that have ended, newest year first: the year, its halves, quarters, months."""
    found = []
    for year in range(today.year, today.year - years - 1, -1):
        codes = [f"{year}", f"{year}-H2", f"{year}-H1"]
        codes += [f"{year}-Q{quarter}" for quarter in (4, 3, 2, 1)]
        codes += [f"{year}-{month:02d}" for month in range(12, 0, -1)]
        for code in codes:
            found_bounds = bounds(code)
            if found_bounds is not None and found_bounds[1] < today:
                found.append((code, label(code)))
    return found


def last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last calendar month that has ended: the default period without the mandate."""
    start = add_months(today.replace(day=1), -1)
    return start, _month_end(start, 1)
