"""Keyset pagination of the case list, newest first (QUALITY P2: page 400 as fast as page 1).

An offset makes the database walk past every earlier row the user may see; a cursor starts
the index scan where the previous page ended. The cursor is the public id of the last (or
first) row shown, looked up among the cases the user may see, so it can neither be forged
into a position nor reveal when someone else's case was registered: an unknown or foreign
cursor gives an empty page.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet, Subquery

NEWEST_FIRST = ("-created_at", "-id")


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool
    has_previous: bool


def newest_first(
    cases: QuerySet,
    anchors: QuerySet,
    *,
    number: int,
    size: int,
    after=None,
    before=None,
    shown: QuerySet | None = None,
) -> Page:
    """One page of `cases`: the rows after the case `after`, before the case `before`, or at
    page `number` counted from the newest when neither is given. Fetches one row more than a
    page to know whether another page follows, never a count.

    With `shown`, the page is found in two steps of one statement: the ids of the page among
    `cases` (which then reads only what its filters need: the case list's walk reads the
    newest-first index alone, decision 335), then those rows as `shown` presents them (its
    annotations and joins). `shown` must not widen what `cases` allows: it is only ever
    given the ids `cases` chose."""
    if after or before:
        anchor = anchors.filter(public_id=after or before)
        at = Subquery(anchor.values("created_at")[:1])
        pk = Subquery(anchor.values("pk")[:1])
        if after:
            older = Q(created_at__lte=at) & (Q(created_at__lt=at) | Q(pk__lt=pk))
            rows = _rows(cases.filter(older), NEWEST_FIRST, 0, size + 1, shown)
            return Page(rows[:size], number, has_next=len(rows) > size, has_previous=number > 1)
        newer = Q(created_at__gte=at) & (Q(created_at__gt=at) | Q(pk__gt=pk))
        rows = _rows(cases.filter(newer), ("created_at", "id"), 0, size + 1, shown)
        has_previous = len(rows) > size
        return Page(rows[:size][::-1], number if has_previous else 1, has_next=True, has_previous=has_previous)
    rows = _rows(cases, NEWEST_FIRST, (number - 1) * size, number * size + 1, shown)
    return Page(rows[:size], number, has_next=len(rows) > size, has_previous=number > 1)


def _rows(cases: QuerySet, order: tuple[str, ...], start: int, stop: int, shown: QuerySet | None) -> list:
    if shown is None:
        return list(cases.order_by(*order)[start:stop])
    ids = cases.order_by(*order).values("pk")[start:stop]
    return list(shown.filter(pk__in=ids).order_by(*order))
