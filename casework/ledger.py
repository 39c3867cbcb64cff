"""The payment ledger (DESIGN.md §9): what was paid to a person, in whole VND, by which agency,
against which claim. Append-only: a line is never edited or deleted (a PostgreSQL trigger refuses
both); a mistake is corrected by a reversing line. Totals net the reversals out."""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework import audit
from casework.actions import CaseworkError, audited_refusals, record_event
from casework.models import (
    Agency,
    AmountKind,
    AuditEvent,
    Case,
    CaseEvent,
    Claim,
    ClaimStatus,
    Payment,
    Province,
    SensitivityClass,
    SupportItem,
    User,
)
from casework.support import days_allowed, entitlements, rate

# The largest amount a BigIntegerField holds; anything above is a typing error, not a payment.
MAX_VND = 2**63 - 1
# CaseEvent has no kind of its own for support yet; payments appear as "details updated".
TIMELINE_KIND = CaseEvent.Kind.SUPPORT


class LedgerError(CaseworkError):
    """A payment or reversal refused by a rule of the ledger."""


def vnd(amount: int) -> str:
    """`1.500.000 ₫`: dots between thousands, the đồng sign after a space, as Vietnamese
    receipts write it."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,} ₫".replace(",", ".")


def check_amount(amount) -> int:
    """A whole, positive number of VND. Floats are refused even when whole: they have already
    lost precision on the way in."""
    if isinstance(amount, Decimal) and amount.is_finite() and amount == amount.to_integral_value():
        amount = int(amount)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise LedgerError(_("Enter the amount in whole VND only, without decimals."))
    if amount <= 0:
        raise LedgerError(_("A payment is a positive amount; correct an earlier payment with a reversal."))
    if amount > MAX_VND:
        raise LedgerError(_("The amount is too large."))
    return amount


def _check_text(value: str, max_length: int, empty: str, too_long: str) -> str:
    value = (value or "").strip()
    if not value:
        raise LedgerError(empty)
    if len(value) > max_length:
        raise LedgerError(too_long % {"max": max_length})
    return value


def _check_entitled(case: Case, item: SupportItem) -> None:
    if not any(entitlement.item.pk == item.pk for entitlement in entitlements(case)):
        raise LedgerError(_("%(item)s is not among what this person is entitled to.") % {"item": item.label})


def _locked_claim(case: Case, item: SupportItem, claim: Claim | None) -> Claim | None:
    """The claim the payment is made against, locked so that two payments against it queue and
    the second sees the first when it checks what remains of the decided amount."""
    needs_claim = bool(item.claim_form or item.claim_within_months)
    if claim is None:
        if needs_claim:
            raise LedgerError(_("%(item)s is paid only against an approved claim.") % {"item": item.label})
        return None
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.case_id != case.pk or claim.item_id != item.pk:
        raise LedgerError(_("The claim is for another case or another item."))
    if claim.status != ClaimStatus.APPROVED:
        raise LedgerError(_("The claim has not been approved; nothing can be paid against it yet."))
    if claim.amount_decided_vnd is None:
        raise LedgerError(_("The decision on the claim records no amount; nothing can be paid against it."))
    return claim


def _check_within_days(case: Case, item: SupportItem, amount: int, paid_on: datetime.date) -> None:
    """A per-day item paid without a claim stays within its rate times the days allowed (e.g.
    120 days of essential needs, plus extensions). Without a rate there is nothing to pay yet."""
    if item.amount_kind != AmountKind.PER_DAY:
        return
    per_day = rate(item, case.reception_province, paid_on)
    if per_day is None:
        raise LedgerError(_("No rate is set for %(item)s yet; an administrator sets it first.") % {"item": item.label})
    allowed = days_allowed(case, item)
    if allowed is not None:
        ceiling = per_day * allowed
        already = _sum(Payment.objects.filter(case=case, item=item))
        if already + amount > ceiling:
            raise LedgerError(
                _("Paying %(amount)s would exceed %(days)s days at %(rate)s; %(remaining)s remains.")
                % {
                    "amount": vnd(amount),
                    "days": allowed,
                    "rate": vnd(per_day),
                    "remaining": vnd(max(ceiling - already, 0)),
                }
            )


def _check_within_decided(claim: Claim, amount: int) -> None:
    left = remaining(claim)
    if amount > left:
        raise LedgerError(
            _("Paying %(amount)s would exceed the amount decided on the claim; %(remaining)s remains to be paid.")
            % {"amount": vnd(amount), "remaining": vnd(max(left, 0))}
        )


def _record(payment: Payment, *, actor: User, reason: str, detail: dict) -> None:
    record_event(payment.case, TIMELINE_KIND, actor=actor, reason=reason, sensitivity=SensitivityClass.SUPPORT)
    audit.record(
        AuditEvent.Action.CREATE,
        actor=actor,
        case=payment.case,
        obj=payment,
        classes=[SensitivityClass.SUPPORT],
        detail=detail,
    )


@audited_refusals(LedgerError)
def do_record_payment(
    case: Case,
    *,
    item: SupportItem,
    amount_vnd,
    paid_on: datetime.date | None,
    payer_agency: Agency,
    receipt_ref: str,
    actor: User,
    claim: Claim | None = None,
    note: str = "",
) -> Payment:
    """One positive line paid to the person for an item they are entitled to, against the
    approved claim when the item is claimed with a form."""
    amount = check_amount(amount_vnd)
    if paid_on is None:
        raise LedgerError(_("Enter the date of the payment."))
    if paid_on > timezone.localdate():
        raise LedgerError(_("The date of the payment is in the future."))
    receipt_ref = _check_text(
        receipt_ref,
        80,
        _("Enter the receipt reference."),
        _("The receipt reference is too long (at most %(max)s characters)."),
    )
    note = (note or "").strip()
    if len(note) > 300:
        raise LedgerError(_("The note is too long (at most %(max)s characters).") % {"max": 300})
    if not payer_agency.is_active:
        raise LedgerError(_("%(agency)s is no longer active.") % {"agency": payer_agency.label})
    if item.amount_kind == AmountKind.IN_KIND:
        raise LedgerError(_("%(item)s is given in kind or as a service, not paid.") % {"item": item.label})
    _check_entitled(case, item)
    with transaction.atomic():
        claim = _locked_claim(case, item, claim)
        # A claimed item is paid by the agency that approved it (or the owner). Other items are
        # provided by whoever holds the person and her support data (Decree 162 art. 17: police,
        # border guard, commune, facilities, missions); the view checks `support` is held.
        if claim is not None and payer_agency.pk not in {case.owning_agency_id, claim.deciding_agency_id}:
            raise LedgerError(_("Only the owning agency, or the agency that approved the claim, records payments."))
        if claim is not None:
            _check_within_decided(claim, amount)
            if claim.decided_at is not None and paid_on < timezone.localdate(claim.decided_at):
                raise LedgerError(_("A payment cannot be dated before the claim was approved."))
        else:
            _check_within_days(case, item, amount, paid_on)
        payment = Payment.objects.create(
            case=case,
            item=item,
            claim=claim,
            amount_vnd=amount,
            paid_on=paid_on,
            payer_agency=payer_agency,
            receipt_ref=receipt_ref,
            note=note,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        reason = _("Payment of %(amount)s for %(item)s (receipt %(receipt)s)") % {
            "amount": vnd(amount),
            "item": item.label,
            "receipt": receipt_ref,
        }
        _record(payment, actor=actor, reason=reason, detail={"item": item.code, "amount_vnd": amount})
    return payment


@audited_refusals(LedgerError)
def do_reverse_payment(payment: Payment, *, reason: str, actor: User) -> Payment:
    """A new line cancelling `payment`, dated today: reports of past periods stay as they were
    printed and the correction shows in the period it was made."""
    reason = _check_text(
        reason, 300, _("Give the reason for the reversal."), _("The reason is too long (at most %(max)s characters).")
    )
    with transaction.atomic():
        # Locking the reversed line makes a second, concurrent reversal wait and then see the first.
        original = Payment.objects.select_for_update().select_related("item").get(pk=payment.pk)
        if original.reverses_id is not None:
            raise LedgerError(_("This line is itself a reversal and cannot be reversed."))
        if Payment.objects.filter(reverses=original).exists():
            raise LedgerError(_("This payment has already been reversed."))
        try:
            with transaction.atomic():
                reversal = Payment.objects.create(
                    case_id=original.case_id,
                    item=original.item,
                    claim_id=original.claim_id,
                    amount_vnd=-original.amount_vnd,
                    paid_on=timezone.localdate(),
                    payer_agency_id=original.payer_agency_id,
                    receipt_ref=original.receipt_ref,
                    reverses=original,
                    note=reason,
                    recorded_by=actor,
                    recorded_at=timezone.now(),
                )
        except IntegrityError as error:
            raise LedgerError(_("This payment has already been reversed.")) from error
        line = _("Payment of %(amount)s for %(item)s reversed: %(reason)s") % {
            "amount": vnd(original.amount_vnd),
            "item": original.item.label,
            "reason": reason,
        }
        _record(
            reversal,
            actor=actor,
            reason=line,
            detail={"item": original.item.code, "amount_vnd": reversal.amount_vnd, "reverses": original.pk},
        )
    return reversal


# Sums -------------------------------------------------------------------------------------------


def _sum(payments) -> int:
    return payments.aggregate(total=Coalesce(Sum("amount_vnd"), 0))["total"]


def paid(case: Case, item: SupportItem | None = None) -> int:
    """What has been paid to the case, net of reversals; for one item when given."""
    payments = Payment.objects.filter(case=case)
    if item is not None:
        payments = payments.filter(item=item)
    return _sum(payments)


def remaining(claim: Claim) -> int | None:
    """What is left of the claim's decided amount; None when no amount was decided."""
    if claim.amount_decided_vnd is None:
        return None
    return claim.amount_decided_vnd - _sum(Payment.objects.filter(claim=claim))


# Totals by province, agency, month or item: the key field, and the label fields read with it.
GROUPINGS = {
    "province": ("case__reception_province__code", "case__reception_province__name"),
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
        payments = payments.filter(case__reception_province=province)
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
