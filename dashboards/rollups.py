"""Province and national figures from rollups per province and month (issue 18, decisions 245–249).

The dashboard and the statistics count cases received in a period. Over a province or the
country that scanned every case of the scope; at a million cases, seconds. `CaseRollup` keeps,
per province of reception and local month, every cell that counts cases (they add up across
months and provinces: a case is received once, in one province), the cases' current statuses
(any month), and the victims identified in the month. Distinct incidents do not add up (an
incident's victims may be received in two provinces or months): `IncidentRollup` keeps the
incidents themselves per province and month, and they are counted with COUNT(DISTINCT) over
the months asked for, so they mean exactly what the live query means.

Exact, always. A change writes a `RollupMark` in its own transaction (`mark_cases`,
`mark_pairs`; `dashboards.invalidation` calls them from the same receivers that bump the
cache). After commit `flush` recomputes the marked rows under a lock per province and month
and deletes the marks it folded in. A reader treats every marked province and month as
stale and counts it live from the cases, as it counts live the days of a period that are not
whole months (the current month of the dashboard's default period). So a figure read from
rollups equals the live figure even if a flush was lost; `manage.py recompute_rollups`
rebuilds everything.

Only province and national scopes without an agency filter read rollups (an agency's cases
are few and indexed by agency and day of reception).
"""

import contextlib
import datetime
import functools
import logging
from collections import Counter
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from casework import choices_cache
from casework.lib.dates import add_months, day_range_q
from casework.models import Case, CaseStatus, PicklistValue, Province, Sex, StatisticsScope
from dashboards import stats, waits
from dashboards.models import COLUMNS, RECEIVED_CELLS, STATUS_CELLS, CaseRollup, IncidentRollup, RollupMark, WaitRollup
from dashboards.scope import COUNTED, Filters, Scope
from messaging import outbox
from referrals.models import HandoverMinutes

log = logging.getLogger(__name__)

# More stale province-months than this and a reader counts live rather than build a long OR.
MAX_STALE_PAIRS = 200
Pair = tuple[int, datetime.date]
# Ids per statement when folding many marks at once (SQLite's limit on parameters).
FOLD_BATCH = 900


def month_end(month: datetime.date) -> datetime.date:
    return add_months(month, 1) - datetime.timedelta(days=1)


def _local_month(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


@functools.cache
def cell_conditions(*, probe: bool = False) -> dict[str, Q]:
    """Every cell of a rollup row counting cases received in its month, by its condition.

    Two cells look at other tables (handovers, forms of exploitation). Over every case (a whole
    rebuild) they are `id IN (subquery)`, one hashed pass given room to hash (decision 301); over
    few cases (a month refreshed after a change, the live days) `probe` makes them an EXISTS per
    case on an index: at 1 M cases a hash of every handover cost seconds per refreshed month,
    inside the request that changed the case (decision 302)."""
    conditions = stats.additive_conditions()
    if probe:
        forms = Case.exploitation_forms.through.objects.filter(
            case_id=OuterRef("pk"), picklistvalue__list_name=PicklistValue.List.EXPLOITATION_TYPE
        )
        conditions["exploitation.none"] = stats.VICTIM & ~Q(Exists(forms))
        conditions["handovers"] = Q(Exists(HandoverMinutes.objects.filter(referral__case_id=OuterRef("pk"))))
    else:
        conditions["handovers"] = Q(pk__in=HandoverMinutes.objects.values("referral__case_id"))
    conditions["published.women_and_children"] = stats.VICTIM & (Q(person__sex=Sex.FEMALE) | Q(is_child=True))
    conditions |= {f"status.{status}": Q(status=status) for status in CaseStatus.values}
    return conditions


# ---- writing ---------------------------------------------------------------------------


# The marks this thread wrote and has not folded in yet: `flush_after_commit` folds these, not
# the marks of other changes (decision 307). A list per context, ids of rolled-back marks
# included: they are no longer rows, so folding them finds nothing (SQLite may give such an id
# out again; folding that mark early is harmless, a fold is never wrong).
_written: ContextVar[list[int] | None] = ContextVar("rollup_marks_written", default=None)


def _insert(marks: list[RollupMark]) -> None:
    if not marks:
        return
    created = RollupMark.objects.bulk_create(marks)
    written = _written.get()
    if written is None:
        written = []
        _written.set(written)
    written.extend(mark.pk for mark in created if mark.pk is not None)


def mark(*, case_ids: Iterable[int], pairs: Iterable[tuple[int | None, datetime.date | None]]) -> None:
    """`mark_cases` and `mark_pairs` in one INSERT."""
    marks = [RollupMark(case_id=pk) for pk in set(case_ids) if pk]
    marks += [RollupMark(province_id=p, month=m) for p, m in set(pairs) if p is not None and m is not None]
    _insert(marks)


def mark_cases(case_ids: Iterable[int]) -> None:
    """Mark cases changed in the current transaction (their province-months are refreshed)."""
    _insert([RollupMark(case_id=pk) for pk in set(case_ids) if pk])


def mark_pairs(pairs: Iterable[tuple[int | None, datetime.date | None]]) -> None:
    """Mark province-months a case left (its old province or months)."""
    _insert([RollupMark(province_id=p, month=m) for p, m in set(pairs) if p is not None and m is not None])


def _take_written() -> list[int]:
    written = _written.get() or []
    _written.set([])
    return written


def pairs_of(province_id: int | None, received_at, identified_on) -> set[Pair]:
    """The rows a case counts in: its month of reception and of identification."""
    if province_id is None:
        return set()
    found = {(province_id, _local_month(received_at))} if received_at else set()
    if identified_on:
        found.add((province_id, _local_month(identified_on)))
    return found


def _case_pairs(case_ids: Iterable[int]) -> set[Pair]:
    found: set[Pair] = set()
    rows = Case.objects.filter(pk__in=list(case_ids)).values_list(
        "reception_province_id", "received_at", "identified_on"
    )
    for province_id, received_at, identified_on in rows:
        found |= pairs_of(province_id, received_at, identified_on)
    return found


def _marked() -> set[Pair] | None:
    """The province-months the marks make stale, in one query (a marked case's province and
    months as they are now); None when there are too many."""
    case = Case.objects.filter(pk=OuterRef("case_id"))
    marks = RollupMark.objects.annotate(
        case_province=Subquery(case.values("reception_province_id")[:1]),
        case_received=Subquery(case.values("received_at")[:1]),
        case_identified=Subquery(case.values("identified_on")[:1]),
    ).values_list("province_id", "month", "case_province", "case_received", "case_identified")
    rows = list(marks[: MAX_STALE_PAIRS + 1])
    if len(rows) > MAX_STALE_PAIRS:
        return None
    pairs: set[Pair] = set()
    for province_id, month, case_province, received_at, identified_on in rows:
        if province_id is not None and month is not None:
            pairs.add((province_id, month))
        pairs |= pairs_of(case_province, received_at, identified_on)
    return pairs


def flush(ids: Iterable[int] | None = None, limit: int = 1000) -> int:
    """Fold marks into the rollups, one province-month at a time: those with `ids` (a change's
    own, after its commit), else any; returns the province-months recomputed. A flush that
    fails leaves the marks for `fold_marks` (readers count marked months live meanwhile)."""
    marks_query = RollupMark.objects.values_list("pk", "case_id", "province_id", "month")
    if ids is not None:
        ids = sorted(set(ids))
        if not ids:
            return 0
        marks = []
        for start in range(0, len(ids), FOLD_BATCH):
            marks += marks_query.filter(pk__in=ids[start : start + FOLD_BATCH])
    else:
        marks = list(marks_query[:limit])
    if not marks:
        return 0
    pairs = _marked_pairs(marks)
    for province_id, month in sorted(pairs):
        refresh(province_id, month)
    _delete(marks)
    return len(pairs)


def _marked_pairs(marks: list[tuple]) -> set[Pair]:
    """The province-months (pk, case, province, month) marks make stale: their own, and their
    cases' as they are now."""
    pairs = {(p, m) for _pk, _case, p, m in marks if p is not None and m is not None}
    case_ids = sorted({case for _pk, case, _p, _m in marks if case is not None})
    for start in range(0, len(case_ids), FOLD_BATCH):
        pairs |= _case_pairs(case_ids[start : start + FOLD_BATCH])
    return pairs


def _delete(marks: list[tuple]) -> None:
    folded = [pk for pk, *_rest in marks]
    for start in range(0, len(folded), FOLD_BATCH):
        RollupMark.objects.filter(pk__in=folded[start : start + FOLD_BATCH]).delete()


# Set while many changes are written at once (`deferred`): no flush after each commit.
_deferring: ContextVar[bool] = ContextVar("rollups_deferring", default=False)


@contextlib.contextmanager
def deferred():
    """Many changes at once (a bulk HTCDS import, decision 226): the marks stay while the block
    runs (readers count those months live, so figures stay exact) and are folded in once at its
    end by `fold_marks`, one rebuild per province over the span of its marked months, instead of
    one recomputation per province-month after every chunk's commit."""
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)
        _take_written()  # the fold below takes them, with any other mark left over
        try:
            with transaction.atomic():
                outbox.enqueue(FOLD_TASK)
        except Exception:  # noqa: BLE001 — the marks stay for the beat's fold; readers count those months live
            log.warning("dashboard rollups not refreshed after a bulk change", exc_info=True)


FOLD_TASK = "dashboards.tasks.fold_rollups"
# A province with at most this many marked months has each refreshed; more, and its rows from
# the first to the last marked month are rebuilt in one pass.
FEW_MONTHS = 6


def fold_marks() -> int:
    """Fold every mark in (the task after a bulk change, and the beat's sweep of marks a failed
    flush left): a province with a few marked months has each refreshed, one with more is
    rebuilt over the span of its marked months; returns the provinces folded. Marks written
    meanwhile stay for their own flush."""
    marks = list(RollupMark.objects.values_list("pk", "case_id", "province_id", "month"))
    if not marks:
        return 0
    months: dict[int, list[datetime.date]] = {}
    for province_id, month in _marked_pairs(marks):
        months.setdefault(province_id, []).append(month)
    for province_id, marked in sorted(months.items()):
        if len(marked) <= FEW_MONTHS:
            for month in sorted(marked):
                refresh(province_id, month)
            continue
        first, last = min(marked), max(marked)
        with transaction.atomic():
            month = first
            while month <= last:
                _lock(province_id, month)
                month = add_months(month, 1)
            _rebuild(province_id, first, last)
    _delete(marks)
    return len(months)


# A session lock of its own (one bigint key: apart from the two-key locks of `_lock`).
FOLD_LOCK = 2_024_307


@contextlib.contextmanager
def one_fold_at_a_time():
    """Yield whether this process may fold: on PostgreSQL only if no other fold holds the
    lock (a second would rebuild the same provinces again, waiting on each month's lock)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [FOLD_LOCK])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [FOLD_LOCK])


def flush_after_commit() -> None:
    """Fold, once the transaction commits, the marks this thread wrote (not other changes':
    a save never waits for the marks of an import running elsewhere, decision 307)."""
    if _deferring.get():
        return

    def run():
        try:
            flush(_take_written())
        except Exception:  # noqa: BLE001 — the marks stay; readers count those months live
            log.warning("dashboard rollups not refreshed", exc_info=True)

    transaction.on_commit(run)


def _lock(province_id: int, month: datetime.date) -> None:
    """One refresh of a province-month at a time: each computes after the previous wrote."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [province_id, month.year * 100 + month.month])


def refresh(province_id: int, month: datetime.date) -> None:
    """Recompute one province-month from the cases."""
    with transaction.atomic():
        _lock(province_id, month)
        _rebuild(province_id, month, month)


def _room_to_hash() -> None:
    """A whole rebuild counts conditions like "handed over" as `id IN (subquery)` over every
    case. PostgreSQL hashes such a subquery only if it fits in work_mem; at 1 M cases (566,000
    handovers) the default 4 MB did not, and each case rescanned the list: a rebuild of 1 M cases
    ran for hours instead of a minute (decision 301). This transaction gets room to hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")


def recompute(province_id: int | None = None, since: datetime.date | None = None) -> int:
    """Rebuild the rollups of a province (or all) from a month on (or all); rows written."""
    with transaction.atomic():
        _room_to_hash()
        written = _rebuild(province_id, since, None)
        marks = RollupMark.objects.all()
        if province_id is None and since is None:
            marks.delete()
    return written


def _rebuild(province_id: int | None, first: datetime.date | None, last: datetime.date | None) -> int:
    """Replace the rows of a province (None: all), months `first`..`last` (None: open)."""
    cases = Case.objects.filter(COUNTED)
    if province_id:
        cases = cases.filter(reception_province_id=province_id)
    received = cases.filter(day_range_q("received_at", first, month_end(last) if last else None))
    identified = cases.filter(stats.VICTIM).filter(
        **({"identified_on__gte": first} if first else {}), **({"identified_on__lte": month_end(last)} if last else {})
    )
    rows: dict[Pair, CaseRollup] = {}

    def row(province_id: int, month: datetime.date) -> CaseRollup:
        if (province_id, month) not in rows:
            rows[(province_id, month)] = CaseRollup(province_id=province_id, month=month)
        return rows[(province_id, month)]

    conditions = cell_conditions(probe=first is not None)
    aggregates = {COLUMNS[cell]: stats.count_of(condition) for cell, condition in conditions.items()}
    grouped = (
        received.annotate(month=TruncMonth("received_at"))
        .values("reception_province_id", "month")
        .annotate(**aggregates)
        .order_by()
    )
    for values in grouped:
        target = row(values["reception_province_id"], _local_month(values["month"]))
        for name in COLUMNS.values():
            setattr(target, name, getattr(target, name) + values[name])
    by_identification = (
        identified.filter(identified_on__isnull=False)
        .annotate(month=TruncMonth("identified_on"))
        .values("reception_province_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for values in by_identification:
        row(values["reception_province_id"], _local_month(values["month"])).identified += values["n"]
    incidents = [
        IncidentRollup(province_id=p, month=m, incident_id=i, child=c, recorded=r, cross_border=x)
        for p, m, i, c, r, x in _incident_rows(received, by_province=True)
    ]
    place = Q(province_id=province_id) if province_id else Q()
    months = Q(month__gte=first) if first else Q()
    months &= Q(month__lte=last) if last else Q()
    for model in (CaseRollup, IncidentRollup, WaitRollup):
        model.objects.filter(place, months).delete()
    CaseRollup.objects.bulk_create(rows.values(), batch_size=500)
    IncidentRollup.objects.bulk_create(incidents, batch_size=2000)
    WaitRollup.objects.bulk_create(_wait_rows(received), batch_size=2000)
    return len(rows)


def rebuild_waits() -> int:
    """Rebuild only the histograms of the waits (the migration that added them)."""
    with transaction.atomic():
        _room_to_hash()
        WaitRollup.objects.all().delete()
        return len(WaitRollup.objects.bulk_create(_wait_rows(Case.objects.filter(COUNTED)), batch_size=2000))


def _wait_rows(received) -> list[WaitRollup]:
    """The histogram of the waits to handover of the cases received, per province and month."""
    found: Counter = Counter()
    rows = waits.waits(received).order_by().values_list("reception_province_id", "received_at", "waited")
    for province_id, received_at, waited in rows.iterator(chunk_size=5000):
        found[(province_id, _local_month(received_at), waits.tenths(waited))] += 1
    return [WaitRollup(province_id=p, month=m, tenths=t, cases=n) for (p, m, t), n in found.items()]


def _incident_rows(cases, *, by_province: bool = False) -> list[tuple]:
    """(province, month,) incident, child, recorded, cross-border of the victims in `cases`."""
    keys = ["incident_id"]
    query = cases.filter(stats.VICTIM, incident__isnull=False)
    if by_province:
        query = query.annotate(month=TruncMonth("received_at"))
        keys = ["reception_province_id", "month", "incident_id"]
    rows = (
        query.values(*keys)
        .annotate(
            child=Count("pk", filter=Q(is_child=True)),
            recorded=Count("pk", filter=stats.RECORDED_DESTINATION),
            cross=Count("pk", filter=stats.CROSS_BORDER),
        )
        .order_by()
    )
    found = []
    for values in rows:
        flags = (values["child"] > 0, values["recorded"] > 0, values["cross"] > 0)
        if by_province:
            month = _local_month(values["month"])
            found.append((values["reception_province_id"], month, values["incident_id"], *flags))
        else:
            found.append((values["incident_id"], *flags))
    return found


# ---- reading ---------------------------------------------------------------------------


@dataclass
class Totals:
    """The cells over a period, as the live queries count them."""

    received: dict[str, int]  # every received cell over the period
    statuses: dict[str, int]  # the current statuses of every case of the scope, any period
    identified: int
    incidents: dict[str, int]  # the distinct incidents of stats.DISTINCT_INCIDENTS
    received_by_month: dict[datetime.date, int] = field(default_factory=dict)
    identified_by_month: dict[datetime.date, int] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)
    waits: Counter = field(default_factory=Counter)  # the waits to handover (`dashboards.waits`)


def applies(scope: Scope, filters: Filters) -> bool:
    return (
        settings.CAUNOI_DASHBOARD_ROLLUPS
        and scope.level in (StatisticsScope.NATIONAL, StatisticsScope.PROVINCE)
        and not filters.agency_id
    )


def _split(filters: Filters):
    """The whole months of the period (first, last month; None: open) and the days outside
    them, as (from, to) pieces; None when the period cannot be split (the calendar's ends)."""
    date_from, date_to = filters.date_from, filters.date_to
    try:
        first = None
        if date_from:
            first = date_from if date_from.day == 1 else add_months(date_from.replace(day=1), 1)
        last = None
        if date_to:
            start = date_to.replace(day=1)
            last = start if date_to == month_end(start) else add_months(start, -1)
        if first and last and first > last:
            return None, None, [(date_from, date_to)], False
        edges = []
        if date_from and first and date_from < first:
            edges.append((date_from, first - datetime.timedelta(days=1)))
        if date_to and last and date_to > month_end(last):
            edges.append((add_months(last, 1), date_to))
    except (OverflowError, ValueError):
        return None
    return first, last, edges, True


def _in(month: datetime.date, first, last) -> bool:
    return (first is None or month >= first) and (last is None or month <= last)


def totals(
    scope: Scope,
    filters: Filters,
    *,
    cells: Iterable[str] = RECEIVED_CELLS,
    statuses: bool = True,
    monthly: bool = False,
    extra: dict[str, Q] | None = None,
    histogram: bool = False,
) -> Totals | None:
    """The period's cells from the rollups and the live remainder, in four queries whatever
    the data; None when the rollups do not apply (then the caller counts live). `extra`:
    name → condition on cases counted live in the same query (the dashboard's new cases of
    this month), returned in `Totals.extra`. `cells`: the received cells wanted; `statuses`:
    whether the statuses and identifications are (the dashboard's, not the statistics');
    `histogram`: the histogram of the waits to handover too (one more query, and the live days')."""
    wanted_cells = list(cells)
    status_cells: tuple[str, ...] = STATUS_CELLS if statuses else ()
    if not applies(scope, filters):
        return None
    split = _split(filters)
    stale_all = _marked()
    if split is None or stale_all is None:
        return None
    first, last, edges, any_whole = split
    provinces = [scope.province.pk] if scope.level == StatisticsScope.PROVINCE and scope.province else []
    if filters.province_id:
        provinces.append(filters.province_id)
    stale = {(p, m) for p, m in stale_all if not provinces or p in provinces}
    rollup_place = Q(*[Q(province_id=p) for p in provinces]) if provinces else Q()
    rows = CaseRollup.objects.filter(rollup_place)
    for p, m in stale:
        rows = rows.exclude(province_id=p, month=m)
    result = Totals(
        received=dict.fromkeys(wanted_cells, 0),
        statuses=dict.fromkeys(status_cells, 0),
        identified=0,
        incidents={},
    )
    # Every month of the scope, one row each: statuses count every month, the rest the period's.
    sums = {COLUMNS[cell]: Sum(COLUMNS[cell]) for cell in {"received", *wanted_cells, *status_cells}}
    for values in rows.values("month").annotate(identified_n=Sum("identified"), **sums).order_by():
        month = values["month"]
        for cell in status_cells:
            result.statuses[cell] += values[COLUMNS[cell]] or 0
        if not (any_whole and _in(month, first, last)):
            continue
        for cell in wanted_cells:
            result.received[cell] += values[COLUMNS[cell]] or 0
        result.identified += values["identified_n"] or 0
        if monthly:
            result.received_by_month[month] = values[COLUMNS["received"]] or 0
            result.identified_by_month[month] = values["identified_n"] or 0

    # What the rollups do not hold: the days outside whole months, and the stale months.
    def received_in(p: int | None, first_day: datetime.date, last_day: datetime.date) -> Q:
        condition = day_range_q("received_at", first_day, last_day)
        return condition & Q(reception_province_id=p) if p else condition

    def identified_in(p: int | None, first_day: datetime.date, last_day: datetime.date) -> Q:
        condition = Q(identified_on__gte=first_day, identified_on__lte=last_day)
        return condition & Q(reception_province_id=p) if p else condition

    # Nothing live is still one (empty) query: the number of queries stays fixed.
    nothing = Q(pk__lt=0)
    period_live, identified_live, status_live = nothing, nothing, nothing
    live_months: set[datetime.date] = set()
    for date_from, date_to in edges:
        period_live |= received_in(None, date_from, date_to)
        identified_live |= identified_in(None, date_from, date_to)
        live_months |= {date_from.replace(day=1), date_to.replace(day=1)}
    for p, m in stale:
        status_live |= received_in(p, m, month_end(m))
        if any_whole and _in(m, first, last):
            period_live |= received_in(p, m, month_end(m))
            identified_live |= identified_in(p, m, month_end(m))
            live_months.add(m)
    # The WHERE names the days alone (an OR of index ranges); the aggregates' filters add the rest.
    identified_days = identified_live
    identified_live &= stats.VICTIM
    has_period = bool(live_months)  # days outside whole months, or stale months of the period
    live_cases = Case.objects.filter(COUNTED & scope.q() & Filters(province_id=filters.province_id).q())
    if scope.level == StatisticsScope.NATIONAL and not filters.province_id and (edges or extra):
        # Lets the database read the (province, day of reception) index for the days.
        # A list, not a subquery: a subquery is hashed and joined, and the cases scanned (decision 281).
        live_cases = live_cases.filter(reception_province_id__in=_province_ids())
    # The cases counted live are few (days, stale months): a probe per case on the referrals'
    # case index, not a hash of every handover in the country (decisions 281, 302).
    conditions = cell_conditions(probe=True)
    if has_period:
        cells = {f"r.{cell}": stats.count_of(conditions[cell]) for cell in wanted_cells}
        for month in sorted(live_months) if monthly else []:
            cells[f"m.{month}"] = Count("pk", filter=received_in(None, month, month_end(month)))
        live = live_cases.filter(period_live).aggregate(**cells)
        for cell in wanted_cells:
            result.received[cell] += live[f"r.{cell}"] or 0
        for month in sorted(live_months) if monthly else []:
            if live[f"m.{month}"]:
                result.received_by_month[month] = result.received_by_month.get(month, 0) + live[f"m.{month}"]
    others = {f"s.{cell}": Count("pk", filter=status_live & conditions[cell]) for cell in status_cells}
    others["identified"] = Count("pk", filter=identified_live)
    for month in sorted(live_months) if monthly else []:
        others[f"i.{month}"] = Count("pk", filter=identified_live & identified_in(None, month, month_end(month)))
    wanted = status_live | identified_days
    for name, condition in (extra or {}).items():
        others[f"x.{name}"] = Count("pk", filter=condition)
        wanted |= condition
    if (statuses and (stale or has_period)) or extra:
        live = live_cases.filter(wanted).aggregate(**others)
        for cell in status_cells:
            result.statuses[cell] += live[f"s.{cell}"] or 0
        result.identified += live["identified"] or 0
        for month in sorted(live_months) if monthly else []:
            if live[f"i.{month}"]:
                result.identified_by_month[month] = result.identified_by_month.get(month, 0) + live[f"i.{month}"]
        result.extra = {name: live[f"x.{name}"] or 0 for name in extra or {}}
    incident_rows = IncidentRollup.objects.filter(rollup_place)
    incident_rows = incident_rows.filter(Q(month__gte=first) if first else Q(), Q(month__lte=last) if last else Q())
    if not any_whole:
        incident_rows = incident_rows.filter(pk__lt=0)
    for p, m in stale:
        incident_rows = incident_rows.exclude(province_id=p, month=m)
    result.incidents = _distinct_incidents(incident_rows, live_cases.filter(period_live))
    if histogram:
        result.waits = _waits(rollup_place, first, last, any_whole, stale, live_cases.filter(period_live))
    return result


def _waits(place: Q, first, last, any_whole: bool, stale: set[Pair], live_cases) -> Counter:
    """The histogram of the waits over whole fresh months from `WaitRollup`, and over the
    days and stale months from the cases."""
    rows = WaitRollup.objects.filter(place, Q(month__gte=first) if first else Q(), Q(month__lte=last) if last else Q())
    if not any_whole:
        rows = rows.filter(pk__lt=0)
    for p, m in stale:
        rows = rows.exclude(province_id=p, month=m)
    found = Counter(dict(rows.values("tenths").annotate(n=Sum("cases")).order_by().values_list("tenths", "n")))
    found.update(waits.histogram(live_cases))
    return found


def _distinct_incidents(incident_rows, live_cases) -> dict[str, int]:
    """COUNT(DISTINCT) over the rollups' incidents and those of the cases counted live, in one
    statement (a UNION ALL), so an incident in two months or provinces is counted once."""
    victims = live_cases.filter(stats.VICTIM, incident__isnull=False)
    sources = [
        incident_rows.values("incident_id", "child", "recorded", "cross_border"),
        victims.annotate(
            l_incident=F("incident_id"),
            l_child=ExpressionWrapper(Q(is_child=True), output_field=BooleanField()),
            l_recorded=ExpressionWrapper(Q(destination_country__isnull=False), output_field=BooleanField()),
            l_cross=ExpressionWrapper(stats.CROSS_BORDER, output_field=BooleanField()),
        ).values("l_incident", "l_child", "l_recorded", "l_cross"),
    ]
    parts, params = [], []
    for query in sources:
        sql, query_params = query.order_by().query.sql_with_params()
        parts.append(sql)
        params.extend(query_params)
    # A UNION takes its column names from its first part: the rollup's.
    # The parts are SQL of Django's compiler; every value is a parameter.
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) s{n}" for n, sql in enumerate(parts))  # noqa: S608
    counts = ", ".join(
        f"COUNT(DISTINCT incident_id){f' FILTER (WHERE {flag})' if flag else ''}"
        for flag in ("", "child", "recorded", "cross_border")
    )
    statement = f"SELECT {counts} FROM ({union}) u"  # noqa: S608
    # Where the ORM would read (the replica inside `replica_reads`), not always the primary.
    with connections[incident_rows.db].cursor() as cursor:
        cursor.execute(statement, params)
        total, child, recorded, cross = cursor.fetchone()
    return {
        "incidents": total,
        "incidents_with_child_victims": child,
        "incidents.with_destination": recorded,
        "incidents.cross_border": cross,
    }


def statistics_counts(scope: Scope, filters: Filters) -> dict[str, int] | None:
    """The statistics' fixed cells (`stats._counts`) from the rollups, or None."""
    found = totals(scope, filters, cells=stats.additive_cells(), statuses=False)
    if found is None:
        return None
    return {**{cell: found.received[cell] for cell in stats.additive_cells()}, **found.incidents}


def _province_ids() -> list[int]:
    """Every province's id, kept with the select options: saving a province refreshes both,
    and so does every migrate (the 34 provinces come from migrations). The list narrows the
    national live counts, so a province missing from it would drop its cases from them."""
    seconds = settings.CAUNOI_CHOICES_CACHE_SECONDS

    def build() -> list[int]:
        return list(Province.objects.order_by("pk").values_list("pk", flat=True))

    return choices_cache.get_or_build("province-ids", "any", build, seconds) if seconds else build()
