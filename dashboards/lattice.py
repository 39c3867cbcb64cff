"""Suppression that holds across nested calendar periods (issue 17, decision 223).

Fixed periods (decision 171) stop differencing by days, not by months: a quarter's child
victims less two of its months gave the third month back when the month alone was hidden
(decision 172). Suppression is therefore decided for the whole year at once. For a request
over a fixed period P, every fixed period of P's year that has ended (months, quarters,
halves, the year) is counted exactly as the page counts P — same scope, same province and
agency, only the days differ — and their cells are joined into one table, keyed "period|key":

- each period's own relations, prefixed;
- for every additive cell key k, the period equals the sum of its children: year = H1 + H2,
  half = its two quarters, quarter = its three months (a key missing from a period is 0).

Additive cells count cases, and a case is received in exactly one month. Cells counting
incidents or offenders are distinct counts (an incident's victims may be received in two
months) and add up across periods only as an upper bound, so they keep their own period's
relations only. `suppression.suppress` runs once over the union; the hidden cells of P are
where the page's own suppression starts. The union is the same whichever period of the year
is asked for, so every answer is a subset of one consistent suppression, and the attacker
holding every figure shown for the year finds nothing (tests/dashboards/test_nested_periods.py).

The union costs up to 19 period counts; its hidden set is cached per scope generation
(`dashboards.cache`), per province and agency filter, year and number of ended periods.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from casework.lib.dates import day_range_q
from casework.models import Case
from dashboards import cache, periods, stats, suppression
from dashboards.scope import COUNTED, Filters, Scope
from referrals.models import HandoverMinutes

# Keys counting distinct incidents or offenders: not additive across periods.
NOT_ADDITIVE = ("incidents", "offenders")
SEPARATOR = "|"

PeriodFigures = tuple[dict[str, int], list[suppression.Relation]]


def additive(key: str) -> bool:
    return not key.startswith(NOT_ADDITIVE)


def children(code: str) -> list[str]:
    """The periods a period is made of: halves of a year, quarters of a half, months of a quarter."""
    year, _sep, part = code.partition("-")
    if not part:
        return [f"{year}-H1", f"{year}-H2"]
    if part.startswith("H"):
        half = int(part[1])
        return [f"{year}-Q{2 * half - 1}", f"{year}-Q{2 * half}"]
    if part.startswith("Q"):
        quarter = int(part[1])
        return [f"{year}-{month:02d}" for month in range(3 * quarter - 2, 3 * quarter + 1)]
    return []


def ended_codes(year: int, today: datetime.date) -> list[str]:
    """Every fixed period of `year` that has ended before `today`."""
    codes = [f"{year}", f"{year}-H1", f"{year}-H2"]
    codes += [f"{year}-Q{quarter}" for quarter in range(1, 5)]
    codes += [f"{year}-{month:02d}" for month in range(1, 13)]
    return [code for code in codes if (found := periods.bounds(code)) is not None and found[1] < today]


def key(code: str, cell: str) -> str:
    return f"{code}{SEPARATOR}{cell}"


def of(union_hidden: Iterable[str], code: str) -> set[str]:
    """The hidden cells of one period, without its prefix."""
    prefix = key(code, "")
    return {name[len(prefix) :] for name in union_hidden if name.startswith(prefix)}


def join(per_period: Mapping[str, PeriodFigures]) -> PeriodFigures:
    """One table of every period's cells, with their own and the cross-period relations."""
    cells: dict[str, int] = {}
    relations: list[suppression.Relation] = []
    for code, (period_cells, period_relations) in per_period.items():
        cells |= {key(code, name): value for name, value in period_cells.items()}
        for total, parts in period_relations:
            kinds = {additive(member) for member in [total, *parts]}
            if len(kinds) != 1:
                raise ValueError(f"relation {total} mixes additive and distinct counts")
            relations.append((key(code, total), [key(code, part) for part in parts]))
    for code, (period_cells, _relations) in per_period.items():
        kids = children(code)
        if not kids or any(kid not in per_period for kid in kids):
            continue
        names = {name for period in [code, *kids] for name in per_period[period][0] if additive(name)}
        for name in sorted(names):
            values = [per_period[period][0].get(name, 0) for period in kids]
            if period_cells.get(name, 0) != sum(values):
                continue  # not a relation at all (cannot happen for case counts)
            for period in [code, *kids]:
                cells.setdefault(key(period, name), 0)
            relations.append((key(code, name), [key(kid, name) for kid in kids]))
    return cells, relations


def union_hidden(per_period: Mapping[str, PeriodFigures]) -> set[str]:
    return suppression.suppress(*join(per_period))


def period_code(date_from: datetime.date | None, date_to: datetime.date | None, today: datetime.date) -> str | None:
    """The fixed period these days bound, when it has ended; else None (no lattice)."""
    if not periods.is_fixed(date_from, date_to, today):
        return None
    return periods.code_of(date_from, date_to)


def cached_union_hidden(
    scope, place: dict, code: str, today: datetime.date, compute: Callable[[list[str]], dict[str, PeriodFigures]]
) -> set[str]:
    """The union's hidden keys for the year of `code`, from the cache when nothing in the
    scope changed. `compute(codes)` counts every period; `place` names the filters other
    than the days. The keys do not depend on the language, so one language computes them."""
    year = int(code[:4])
    codes = ended_codes(year, today)
    params = {"place": place, "year": year, "ended": len(codes)}
    with translation.override("vi"):
        # Exports on the worker need it too: a cache outage computes it (decision 243).
        return cache.cached("lattice", scope, params, lambda: union_hidden(compute(codes)), live_if_unavailable=True)


def series_hidden(name: str, monthly: Mapping[datetime.date, int], year: int, today: datetime.date) -> set[str]:
    """One additive count known by month (identifications, claims decided): its hidden set
    over every ended period of the year, keyed like `join` ("2025-Q1|name")."""
    per_period: dict[str, PeriodFigures] = {}
    for code in ended_codes(year, today):
        first, last = periods.bounds(code) or (today, today)
        value = sum(count for month, count in monthly.items() if first <= month <= last)
        per_period[code] = ({name: value}, [])
    return union_hidden(per_period)


def monthly(cases: QuerySet, field_name: str) -> dict[datetime.date, int]:
    """Cases by the local month of a date-time or date field, in one GROUP BY."""
    rows = cases.annotate(month=TruncMonth(field_name)).values("month").annotate(n=Count("pk")).order_by("month")
    result: dict[datetime.date, int] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        result[month.replace(day=1)] = result.get(month.replace(day=1), 0) + row["n"]
    return result


def place_of(filters: Filters) -> Filters:
    """The filters without the days."""
    return Filters(province_id=filters.province_id, agency_id=filters.agency_id)


def year_figures(scope: Scope, filters: Filters, codes: list[str]) -> dict[str, PeriodFigures]:
    """Every period's cells and relations as the statistics page counts them, plus the
    dashboard's cases handed over (by month of reception, so additive too) and their remainder."""
    place = place_of(filters)
    year = int(codes[0][:4]) if codes else 0
    handed_over = monthly(
        Case.objects.filter(scope.q() & place.q() & COUNTED)
        .filter(day_range_q("received_at", datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
        .filter(Exists(HandoverMinutes.objects.filter(referral__case_id=OuterRef("pk")))),
        "received_at",
    )
    found: dict[str, PeriodFigures] = {}
    for code in codes:
        first, last = periods.bounds(code) or (None, None)
        period = Filters(date_from=first, date_to=last, province_id=place.province_id, agency_id=place.agency_id)
        counted = stats.statistics_for(scope, period, suppress=False, nested=False)
        cells, relations = dict(counted._values), list(counted._relations)
        cells["handovers"] = sum(n for month, n in handed_over.items() if first and last and first <= month <= last)
        suppression.remainder(cells, relations, "received", ["handovers"], "received.not_handed_over")
        found[code] = (cells, relations)
    return found


def hidden_for(scope: Scope, filters: Filters, today: datetime.date) -> set[str] | None:
    """The cells hidden from the start for a suppressed request over `filters`: those of its
    period in the suppression of every ended period of its year; None when the request is
    not over a fixed period that has ended (then it is suppressed alone, as before)."""
    union = year_hidden(scope, filters, today)
    if union is None:
        return None
    return of(union, union_code(filters, today) or "")


def union_code(filters: Filters, today: datetime.date) -> str | None:
    return period_code(filters.date_from, filters.date_to, today)


def year_hidden(scope: Scope, filters: Filters, today: datetime.date) -> set[str] | None:
    """Every hidden "period|key" of the year of the requested period (None: no fixed period)."""
    code = union_code(filters, today)
    if code is None:
        return None
    place = {"province": filters.province_id, "agency": filters.agency_id}
    return cached_union_hidden(scope, place, code, today, lambda codes: year_figures(scope, filters, codes))
