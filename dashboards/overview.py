"""The supervisor dashboard: where the cases in her scope stand and what is late.

Each block is one query by conditional aggregation or one GROUP BY, so the page costs the
same number of queries for ten cases or two hundred thousand (QUALITY P1, P4). Counts of
people are suppressed like the statistics when the scope reaches beyond the agency's own
cases; overdue referral steps, bed counts and amounts of money are management figures
about agencies, not about people, and are shown as they are (decision 46).
"""

import dataclasses
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef, Q, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from casework.lib.dates import add_months, day_range_q
from casework.models import Case, CaseStatus, PersonStatus, Sex, StatisticsScope
from dashboards import cache, lattice, rollups, suppression, tables, waits
from dashboards.scope import COUNTED, Filters, Scope
from dashboards.stats import HEADLINE_CONDITIONS, HEADLINE_RELATIONS, HOME_COUNTRY, VICTIM, label_of
from referrals.models import HandoverMinutes, Referral
from referrals.models.core import OPEN_STATUSES
from shelters import access as shelter_access
from support.models import Claim, ClaimStatus, Payment

OPEN_CASE_STATUSES = [status for status in CaseStatus.values if status != CaseStatus.CLOSED]
# Fewer handovers than this and a median says too much about single women.
MEDIAN_MINIMUM = suppression.HIGHEST_HIDDEN + 1


@dataclass
class Bar:
    label: str
    value: int | None  # None when hidden
    link: str = ""


@dataclass
class Overview:
    open_by_status: list[Bar]
    open_total: int | None
    new_this_month: int | None
    received: int | None
    identified: int | None
    child_victims: int | None
    victims: int | None
    child_share: float | None
    months: list[datetime.date]
    received_by_month: list[Bar]
    identified_by_month: list[Bar]
    median_days_to_handover: float | None
    handovers: int | None
    claims_approved: int | None
    claims_refused: int | None
    claims_waiting: int | None
    approved_vnd: int | None
    paid_vnd: int | None
    suppressed: bool
    hidden: set[str] = field(default_factory=set)
    # The shares the ministry publishes (decision 93), for the viewers who see true figures.
    women_and_children_share: float | None = None
    cross_border_share: float | None = None
    # Figures from before the last change, shown while another request recomputes them.
    previous: bool = False
    # Not kept by generation: they move with the clock and the beds (`cache.briefly`, decision 282).
    overdue_by_agency: list[dict] = field(default_factory=list)
    facilities: list[tables.FacilityRow] = field(default_factory=list)


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months including the current one."""
    first = today.replace(day=1)
    return add_months(first, -11), today


def month_starts(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    months, month = [], date_from.replace(day=1)
    while month <= date_to and len(months) < 120:
        months.append(month)
        month = add_months(month, 1)
    return months


def _period_q(filters: Filters, field_name: str) -> Q:
    condition = Q()
    if filters.date_from:
        condition &= Q(**{f"{field_name}__gte": filters.date_from})
    if filters.date_to:
        condition &= Q(**{f"{field_name}__lte": filters.date_to})
    return condition


def _where(scope: Scope, filters: Filters, prefix: str = "", province: str | None = None) -> Q:
    """Scope plus the province and agency filters, without the period. Claims, payments and
    referrals name `province="case_province_id"`: the province of reception each carries
    (`CaseProvinceCopy`, decision 325), so a province's dashboard reads them by their own
    index and never the province's cases (`_where_rows`)."""
    place = Filters(province_id=filters.province_id, agency_id=filters.agency_id)
    return scope.q(prefix, province=province) & place.q(prefix, province=province)


def _where_rows(scope: Scope, filters: Filters) -> Q:
    """`_where` on a claim, a payment or a referral (`CaseProvinceCopy`)."""
    return _where(scope, filters, "case__", province="case_province_id")


def build(scope: Scope, filters: Filters, *, suppress: bool, today: datetime.date | None = None) -> Overview:
    """The dashboard: the aggregates over cases from the cache when nothing in the scope has
    changed (`dashboards.cache`), the overdue steps and the beds as they are now (or at most
    CAUNOI_DASHBOARD_LIVE_SECONDS ago, decision 282)."""
    today = today or timezone.localdate()
    params = {"filters": filters.to_params(), "suppress": suppress, "today": today.isoformat()}
    overview = cache.cached("dashboard", scope, params, lambda: _aggregates(scope, filters, suppress, today))
    place = {"filters": filters.to_params()}
    overdue, facilities = cache.briefly(
        "dashboard-live",
        scope,
        place,
        lambda: (_overdue_by_agency(scope, filters), tables.facility_rows_of(_facilities(scope, filters))),
    )
    return dataclasses.replace(overview, overdue_by_agency=overdue, facilities=facilities)


def _aggregates(scope: Scope, filters: Filters, suppress: bool, today: datetime.date) -> Overview:
    cases = Case.objects.filter(_where(scope, filters) & COUNTED)
    received_q = day_range_q("received_at", filters.date_from, filters.date_to)
    identified_q = Q(person_status=PersonStatus.VICTIM) & Q(identified_on__isnull=False)
    identified_q &= _period_q(filters, "identified_on")
    month_start = today.replace(day=1)
    # Measured at 200,000 cases: over the country, one hashed pass over every handover beats
    # a probe per case received in the period (~55,000); over a province or an agency, the
    # probes (a few thousand, on the referrals' case index) beat hashing the country's.
    if scope.level == StatisticsScope.NATIONAL:
        has_handover = Q(pk__in=HandoverMinutes.objects.values("referral__case_id"))
    else:
        has_handover = Q(Exists(HandoverMinutes.objects.filter(referral__case_id=OuterRef("pk"))))
    this_month = day_range_q("received_at", month_start, today)
    months = month_starts(*(filters.date_from or default_period(today)[0], filters.date_to or today))
    new_cases = {
        "new_this_month": this_month,
        # This month's cases outside the period: "new this month" less the month's bar.
        "new_outside_period": this_month & ~received_q if received_q else Q(pk__lt=0),
    }
    wanted = ["received", *HEADLINE_CONDITIONS, "handovers", "published.women_and_children"]
    rolled = rollups.totals(scope, filters, cells=wanted, monthly=True, extra=new_cases, histogram=True)
    if rolled is not None:
        counts, by_month, identified_by_month = _rolled_up_counts(rolled, suppress)
    else:
        counts = _live_counts(cases, received_q, identified_q, has_handover, this_month, suppress)
        by_month = _monthly(cases.filter(received_q), TruncMonth("received_at"))
        identified_by_month = _monthly(cases.filter(identified_q), TruncMonth("identified_on"))
    shares = {} if suppress else _published_shares(counts)
    cells = {key: value or 0 for key, value in counts.items()}
    cells["open"] = sum(cells[f"status.{status}"] for status in OPEN_CASE_STATUSES)
    relations: list[suppression.Relation] = [("open", [f"status.{status}" for status in OPEN_CASE_STATUSES])]
    relations += HEADLINE_RELATIONS
    # Figures never shown but given away by a shown total less its shown part: they join the
    # suppression as cells of their own, so the total or the part is hidden with them.
    suppression.remainder(cells, relations, "received", ["handovers"], "received.not_handed_over")

    for month in months:
        cells[f"received.{month:%Y-%m}"] = by_month.get(month, 0)
        cells[f"identified.{month:%Y-%m}"] = identified_by_month.get(month, 0)
    # The months beyond the chart (a period of more than ten years) are a remainder too.
    suppression.remainder(
        cells, relations, "received", [f"received.{month:%Y-%m}" for month in months], "received.other"
    )
    suppression.remainder(
        cells, relations, "identified", [f"identified.{month:%Y-%m}" for month in months], "identified.other"
    )
    current = f"received.{month_start:%Y-%m}"
    relations.append(("new_this_month", [*([current] if current in cells else []), "new_outside_period"]))

    nested = _nested_hidden(scope, filters, today, months) if suppress else None
    hidden = suppression.suppress(cells, relations, nested) if suppress else set()

    def shown(key: str) -> int | None:
        return None if key in hidden else cells[key]

    # Children among the victims received, from the statistics page's own cells (see
    # stats.HEADLINE_RELATIONS): shown only where both pages show the two figures.
    child_share = None
    if shown("child_victims") is not None and shown("victims"):
        child_share = round(100 * cells["child_victims"] / cells["victims"], 1)
    if rolled is not None:
        median = waits.median(rolled.waits)
    else:
        median, _count = _median_days_to_handover(cases.filter(received_q), cells["handovers"])
    if suppress and cells["handovers"] < MEDIAN_MINIMUM:
        median = None
    claims, paid = _claims_and_paid(scope, filters)
    if nested is not None:
        claim_hidden = _claims_hidden(scope, filters, today)
    else:
        claim_hidden = {key for key in ("approved", "refused") if suppress and suppression.is_small(claims[key])}
    claims_hidden = bool(claim_hidden)
    # An amount paid to a few people is theirs, whatever claims were decided in the period.
    # People paid are not additive across periods (one woman paid in two months), so over
    # nested periods the amount is not shown to outsiders at all (decision 224).
    paid_hidden = claims_hidden or (suppress and (nested is not None or suppression.is_small(paid["people"])))
    return Overview(
        open_by_status=[
            Bar(label=CaseStatus(status).label, value=shown(f"status.{status}"), link=f"status={status}")
            for status in OPEN_CASE_STATUSES
        ],
        open_total=shown("open"),
        new_this_month=shown("new_this_month"),
        received=shown("received"),
        identified=shown("identified"),
        child_victims=shown("child_victims"),
        victims=shown("victims"),
        child_share=child_share,
        months=months,
        received_by_month=[Bar(f"{month:%m/%Y}", shown(f"received.{month:%Y-%m}")) for month in months],
        identified_by_month=[Bar(f"{month:%m/%Y}", shown(f"identified.{month:%Y-%m}")) for month in months],
        median_days_to_handover=median,
        handovers=shown("handovers"),
        claims_approved=None if "approved" in claim_hidden else claims["approved"],
        claims_refused=None if "refused" in claim_hidden else claims["refused"],
        claims_waiting=claims["waiting"],
        approved_vnd=None if claims_hidden else claims["approved_vnd"],
        paid_vnd=None if paid_hidden else paid["total"],
        suppressed=suppress,
        hidden=hidden,
        **shares,
    )


def _live_counts(cases, received_q: Q, identified_q: Q, has_handover: Q, this_month: Q, suppress: bool) -> dict:
    """The dashboard's counts by scanning the cases of the scope (an agency's, or without rollups)."""
    return cases.aggregate(
        **{f"status.{status}": Count("pk", filter=Q(status=status)) for status in OPEN_CASE_STATUSES},
        new_this_month=Count("pk", filter=this_month),
        # This month's cases outside the period: "new this month" less the month's bar.
        new_outside_period=Count("pk", filter=this_month & ~received_q if received_q else Q(pk__in=[])),
        received=Count("pk", filter=received_q),
        **{key: Count("pk", filter=received_q & condition) for key, condition in HEADLINE_CONDITIONS.items()},
        identified=Count("pk", filter=identified_q),
        handovers=Count("pk", filter=received_q & has_handover),
        **({} if suppress else _published_counts(received_q)),
    )


def _rolled_up_counts(rolled: rollups.Totals, suppress: bool):
    """The counts of `_live_counts` from the rollups (and this month's new cases, counted live
    in the rollups' own query)."""
    # In the order of `_live_counts`: the suppression visits cells in this order.
    counts: dict[str, int] = {f"status.{status}": rolled.statuses[f"status.{status}"] for status in OPEN_CASE_STATUSES}
    counts |= rolled.extra
    counts |= {key: rolled.received[key] for key in ("received", *HEADLINE_CONDITIONS)}
    counts["identified"] = rolled.identified
    counts["handovers"] = rolled.received["handovers"]
    if not suppress:
        counts["published.victims"] = rolled.received["victims"]
        counts["published.women_and_children"] = rolled.received["published.women_and_children"]
        counts["published.recorded"] = rolled.incidents["incidents.with_destination"]
        counts["published.cross_border"] = rolled.incidents["incidents.cross_border"]
    return counts, rolled.received_by_month, rolled.identified_by_month


def _nested_hidden(
    scope: Scope, filters: Filters, today: datetime.date, months: list[datetime.date]
) -> set[str] | None:
    """For outsiders over a fixed period that has ended, the dashboard's period cells hidden
    from the start, consistent with every period of the year (`dashboards.lattice`, decision
    224): the statistics' headline cells and the cases handed over as the lattice hides them
    for the period, each month bar as the lattice hides that month's people received, and
    the identifications (by date of identification, their own additive series). None when
    the period is not fixed (then the dashboard is suppressed alone, as before)."""
    year_hidden = lattice.year_hidden(scope, filters, today)
    code = lattice.union_code(filters, today)
    if year_hidden is None or code is None:
        return None
    own = lattice.of(year_hidden, code)
    shared = ["received", *HEADLINE_CONDITIONS, "handovers", "received.not_handed_over"]
    hidden = {key for key in shared if key in own}
    hidden |= {f"received.{month:%Y-%m}" for month in months if "received" in lattice.of(year_hidden, f"{month:%Y-%m}")}
    year = int(code[:4])
    identified = lattice.monthly(
        Case.objects.filter(_where(scope, filters) & COUNTED).filter(
            person_status=PersonStatus.VICTIM, identified_on__year=year
        ),
        "identified_on",
    )
    series = lattice.series_hidden("identified", identified, year, today)
    hidden |= {"identified"} if "identified" in lattice.of(series, code) else set()
    hidden |= {f"identified.{month:%Y-%m}" for month in months if "identified" in lattice.of(series, f"{month:%Y-%m}")}
    return hidden


def _claims_hidden(scope: Scope, filters: Filters, today: datetime.date) -> set[str]:
    """Claims approved and refused over nested periods: each by month of decision, its own
    additive series (decision 224)."""
    code = lattice.union_code(filters, today) or ""
    year = int(code[:4])
    decided = Claim.objects.filter(_where_rows(scope, filters)).filter(
        day_range_q("decided_at", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    )
    hidden = set()
    for key, status in (("approved", ClaimStatus.APPROVED), ("refused", ClaimStatus.REFUSED)):
        series = lattice.series_hidden(key, lattice.monthly(decided.filter(status=status), "decided_at"), year, today)
        if key in lattice.of(series, code):
            hidden.add(key)
    return hidden


PUBLISHED = ("published.victims", "published.women_and_children", "published.recorded", "published.cross_border")


def _published_counts(received_q: Q) -> dict:
    """The counts behind the shares the ministry publishes (decision 93), as aggregates of the
    dashboard's own query: women and children among the victims, incidents across the border
    among those whose destination is recorded."""
    victims = received_q & VICTIM
    recorded = victims & Q(destination_country__isnull=False)
    return {
        "published.victims": Count("pk", filter=victims),
        "published.women_and_children": Count("pk", filter=victims & (Q(person__sex=Sex.FEMALE) | Q(is_child=True))),
        "published.recorded": Count("incident", distinct=True, filter=recorded),
        "published.cross_border": Count(
            "incident", distinct=True, filter=recorded & ~Q(destination_country__alpha2=HOME_COUNTRY)
        ),
    }


def _published_shares(counts: dict) -> dict[str, float | None]:
    """The two shares, taken out of `counts`: they are not cells, and are shown only to
    viewers who see true figures (the statistics page shows them beside their figures)."""
    values = {key: counts.pop(key) or 0 for key in PUBLISHED}

    def share(part: str, whole: str) -> float | None:
        return round(100 * values[part] / values[whole], 1) if values[whole] else None

    return {
        "women_and_children_share": share("published.women_and_children", "published.victims"),
        "cross_border_share": share("published.cross_border", "published.recorded"),
    }


def _monthly(cases, month_expression) -> dict[datetime.date, int]:
    rows = cases.annotate(month=month_expression).values("month").annotate(n=Count("pk")).order_by("month")
    result = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        result[month.replace(day=1)] = row["n"]
    return result


def _median_days_to_handover(cases, count: int) -> tuple[float | None, int]:
    """Median of (first handover − reception) over the cases handed over, in days: the middle
    row(s) of the ordered durations, fetched by offset, never every row; each floored to a
    tenth of a day as the rollups' histogram counts it (`dashboards.waits`, decision 280)."""
    if not count:
        return None, 0
    durations = waits.waits(cases).order_by("waited", "pk").values_list("waited", flat=True)
    middle = list(durations[(count - 1) // 2 : count // 2 + 1])
    if not middle:
        return None, count
    return waits.days([waits.tenths(value) for value in middle]), count


def _overdue_by_agency(scope: Scope, filters: Filters) -> list[dict]:
    """Open referral steps past their due time, by the agency that has to act."""
    rows = (
        Referral.objects.filter(_where_rows(scope, filters))
        .filter(status__in=OPEN_STATUSES, overdue_flagged_at__isnull=False)
        .values("to_agency_id", "to_agency__name", "to_agency__name_en", "to_agency__code")
        .annotate(n=Count("pk"), escalated=Count("pk", filter=Q(escalated_at__isnull=False)), oldest=Min("due_at"))
        .order_by("-n", "to_agency__name")
    )
    return [
        {
            "agency": label_of(row, "to_agency__"),
            "code": row["to_agency__code"],
            "count": row["n"],
            "escalated": row["escalated"],
            "oldest_due": row["oldest"],
        }
        for row in rows
    ]


def _facilities(scope: Scope, filters: Filters):
    facilities = shelter_access.board()
    if filters.province_id:
        return facilities.filter(province_id=filters.province_id)
    if scope.level == "province":
        return facilities.filter(province=scope.province)
    if scope.level == "agency":
        return facilities.filter(Q(agency=scope.agency) | Q(province_id=scope.agency.province_id))
    return facilities


def _claims_and_paid(scope: Scope, filters: Filters) -> tuple[dict[str, int], dict[str, int]]:
    """Claims decided in the period and claims waiting; the net amount paid in the period
    (reversals are negative lines of the same ledger) and the number of people it was paid
    to. Two tables, one statement: a UNION ALL of one aggregate row each, so the dashboard
    keeps within its query budget (QUALITY P1, decision 324)."""
    decided = day_range_q("decided_at", filters.date_from, filters.date_to)
    approved = Q(status=ClaimStatus.APPROVED) & decided
    claims = (
        Claim.objects.filter(_where_rows(scope, filters))
        .order_by()
        .annotate(kind=Value("claims"))
        .values("kind")
        .annotate(
            a=Count("pk", filter=approved),
            b=Count("pk", filter=Q(status=ClaimStatus.REFUSED) & decided),
            c=Count("pk", filter=Q(status=ClaimStatus.FILED)),
            d=Sum("amount_decided_vnd", filter=approved),
        )
    )
    paid = (
        Payment.objects.filter(_where_rows(scope, filters) & _period_q(filters, "paid_on"))
        .order_by()
        .annotate(kind=Value("paid"))
        .values("kind")
        .annotate(a=Sum("amount_vnd"), b=Count("case", distinct=True), c=Value(0), d=Value(0))
    )
    rows = {row["kind"]: [int(row[column] or 0) for column in "abcd"] for row in claims.union(paid, all=True)}
    approved_n, refused_n, waiting_n, approved_vnd = rows.get("claims", [0, 0, 0, 0])
    total, people, _c, _d = rows.get("paid", [0, 0, 0, 0])
    return (
        {"approved": approved_n, "refused": refused_n, "waiting": waiting_n, "approved_vnd": approved_vnd},
        {"total": total, "people": people},
    )
