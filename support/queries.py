"""Read-only questions about claims and payments (docs/domain.md §5): the claims an agency has to
decide, and what the append-only ledger adds up to. Totals net the reversals out."""

import datetime

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework.models import Agency, Case, Province
from support.models import Claim, ClaimStatus, Payment, SupportItem


def claims_to_decide(agency: Agency) -> QuerySet[Claim]:
    """The agency's claims awaiting a decision, the longest overdue first."""
    return (
        Claim.objects.filter(deciding_agency=agency, status=ClaimStatus.FILED)
        .select_related("case", "item")
        .order_by(F("due_on").asc(nulls_last=True), "filed_on", "id")
    )


# Sums -------------------------------------------------------------------------------------------


def total(payments) -> int:
    """The net sum of a queryset of payments; 0 when there are none."""
    return payments.aggregate(total=Coalesce(Sum("amount_vnd"), 0))["total"]


def paid(case: Case, item: SupportItem | None = None) -> int:
    """What has been paid to the case, net of reversals; for one item when given."""
    payments = Payment.objects.filter(case=case)
    if item is not None:
        payments = payments.filter(item=item)
    return total(payments)


def remaining(claim: Claim) -> int | None:
    """What is left of the claim's decided amount; None when no amount was decided."""
    if claim.amount_decided_vnd is None:
        return None
    return claim.amount_decided_vnd - total(Payment.objects.filter(claim=claim))


# Totals by province, agency, month or item: the key field, and the label fields read with it.
GROUPINGS = {
    # The payment's copy of its case's province of reception (decision 325): no join through the case.
    "province": ("case_province__code", "case_province__name"),
    "agency": ("payer_agency__code", "payer_agency__name"),
    "item": ("item__code", "item__name"),
}


def totals(
    *,
    group_by: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    province: Province | None = None,
    agency: Agency | None = None,
    item: SupportItem | None = None,
) -> list[dict]:
    """Net amounts paid, one row `{key, label, amount_vnd}` per group, from one query. `start`
    and `end` are inclusive days of payment; a province is the case's province of reception."""
    payments = Payment.objects.all()
    if start is not None:
        payments = payments.filter(paid_on__gte=start)
    if end is not None:
        payments = payments.filter(paid_on__lte=end)
    if province is not None:
        payments = payments.filter(case_province=province)
    if agency is not None:
        payments = payments.filter(payer_agency=agency)
    if item is not None:
        payments = payments.filter(item=item)
    if group_by == "month":
        rows = payments.annotate(key=TruncMonth("paid_on")).values("key").annotate(amount_vnd=Sum("amount_vnd"))
        return [
            {
                "key": row["key"],
                "label": formats.date_format(row["key"], "YEAR_MONTH_FORMAT"),
                "amount_vnd": row["amount_vnd"],
            }
            for row in rows.order_by("key")
        ]
    if group_by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {group_by!r}")
    key, name = GROUPINGS[group_by]
    english = (get_language() or "vi").startswith("en")
    rows = (
        payments.values(key=F(key), name=F(name), name_en=F(f"{name}_en"))
        .annotate(amount_vnd=Sum("amount_vnd"))
        .order_by("key")
    )
    return [{"key": row["key"], "label": _label(row, english), "amount_vnd": row["amount_vnd"]} for row in rows]


def _label(row: dict, english: bool) -> str:
    if row["key"] is None:
        return _("not recorded")
    return row["name_en"] if english and row["name_en"] else row["name"]
