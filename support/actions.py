"""What changes support rows (docs/domain.md §5): claims for support and the payment ledger.

Claims are filed by the caseworker with the person's documents, decided by the role the item
names within its working-day deadline, flagged when overdue. Law 53 art. 37 points h, i, k are
claimed on Form 07 and decided within 9 working days (Decree 162/2025); under the 2011 regime
education, vocational and hardship support are claimed within 12 months of the victim's
confirmation (Decree 09/2013 art. 23). Both are data on the item; this module only applies them.

The payment ledger says what was paid to a person, in whole VND, by which agency, against which
claim. Append-only: a line is never edited or deleted (a PostgreSQL trigger refuses both); a
mistake is corrected by a reversing line. The sums are read in support/queries.py.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework import audit
from casework.actions import (
    CaseworkError,
    audited_refusals,
    do_ensure_agency_groups,
    grant_case,
    record_event,
    revoke_case,
)
from casework.lib.dates import add_months
from casework.lib.text import vnd
from casework.models import Agency, AuditEvent, Case, CaseEvent, CaseGrant, Membership, Role, SensitivityClass, User
from support.entitlements import days_allowed, entitlements, rate
from support.models import AmountKind, CapExtension, Claim, ClaimStatus, Payment, SupportItem
from support.queries import remaining, total
from support.workdays import add_working_days

# The amount columns are 64-bit integers; anything above is a typing error, not a payment.
MAX_VND = 2**63 - 1
# Payments appear on the case's timeline as support events.
TIMELINE_KIND = CaseEvent.Kind.SUPPORT


class SupportError(CaseworkError):
    """A refused claim or decision; the message says why."""


refusals_audited = audited_refusals(SupportError)


def _is_whole_vnd(amount) -> bool:
    # bool is an int subclass; a float or Decimal is refused rather than rounded.
    return isinstance(amount, int) and not isinstance(amount, bool) and 0 <= amount <= MAX_VND


def _day(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _timeline_line(line, claim: Claim) -> str:
    """Timeline lines are written once, in the system language, like the other case events."""
    with translation.override(settings.LANGUAGE_CODE):
        return line(claim)


# Filing -----------------------------------------------------------------------------------


def _check_claimable(case: Case, item: SupportItem, filed_on: datetime.date) -> None:
    if not item.claim_form and not item.claim_within_months:
        raise SupportError(_("“%(item)s” is given without a claim.") % {"item": item.label})
    if not any(entitlement.item.pk == item.pk for entitlement in entitlements(case, filed_on)):
        raise SupportError(_("The person is not eligible for “%(item)s”.") % {"item": item.label})
    if item.claim_within_months:
        if case.identified_on is None:
            raise SupportError(
                _("Record the identification first: “%(item)s” is claimed within a time limit counted from it.")
                % {"item": item.label}
            )
        # Decree 09/2013 art. 23: filed within 12 months of the confirmation, in calendar months.
        limit = add_months(case.identified_on, item.claim_within_months)
        if filed_on > limit:
            raise SupportError(
                ngettext(
                    "“%(item)s” must be claimed within %(months)s month of identification, by %(limit)s.",
                    "“%(item)s” must be claimed within %(months)s months of identification, by %(limit)s.",
                    item.claim_within_months,
                )
                % {"item": item.label, "months": item.claim_within_months, "limit": _day(limit)}
            )


def _check_deciding_agency(item: SupportItem, agency: Agency) -> None:
    if not agency.is_active:
        raise SupportError(_("“%(agency)s” is no longer active.") % {"agency": agency.label})
    kind = item.deciding_kind
    if kind is None:
        raise SupportError(
            _("No kind of deciding agency is set for “%(item)s”; an administrator sets it in the catalogue.")
            % {"item": item.label}
        )
    if agency.kind_id != item.deciding_kind_id:
        raise SupportError(
            _("Claims for “%(item)s” are decided by an agency of the kind “%(kind)s”.")
            % {"item": item.label, "kind": kind.label}
        )


@refusals_audited
def do_file_claim(
    case: Case,
    *,
    item: SupportItem,
    deciding_agency: Agency,
    documents: str,
    actor: User,
    amount_requested_vnd: int | None = None,
    filed_on: datetime.date | None = None,
) -> Claim:
    """File a claim for an item the person is entitled to; the decision falls due the item's
    number of working days later."""
    documents = (documents or "").strip()
    filed_on = filed_on or timezone.localdate()
    if amount_requested_vnd is not None and not _is_whole_vnd(amount_requested_vnd):
        raise SupportError(_("An amount must be a whole number of VND, zero or more."))
    if not documents:
        raise SupportError(_("List the documents provided with the claim."))
    if filed_on > timezone.localdate():
        raise SupportError(_("A claim cannot be dated in the future."))
    with transaction.atomic():
        # The case row's lock queues concurrent filings, so the open-claim check below holds.
        locked = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("person__nationality")
            .get(pk=case.pk)
        )
        _check_claimable(locked, item, filed_on)
        _check_deciding_agency(item, deciding_agency)
        if Claim.objects.filter(case=locked, item=item, status=ClaimStatus.FILED).exists():
            raise SupportError(_("A claim for “%(item)s” is already awaiting a decision.") % {"item": item.label})
        due_on = add_working_days(filed_on, item.decision_working_days) if item.decision_working_days else None
        claim = Claim.objects.create(
            case=locked,
            item=item,
            deciding_agency=deciding_agency,
            filed_on=filed_on,
            filed_by=actor,
            documents=documents,
            amount_requested_vnd=amount_requested_vnd,
            due_on=due_on,
        )
        record_event(
            locked,
            CaseEvent.Kind.SUPPORT,
            actor=actor,
            sensitivity=SensitivityClass.SUPPORT,
            reason=_timeline_line(_filed_line, claim),
        )
        _grant_decider(claim, actor=actor)
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            case=locked,
            obj=claim,
            classes=[SensitivityClass.SUPPORT],
            detail={
                "item": item.code,
                "deciding_agency": deciding_agency.code,
                "due_on": due_on.isoformat() if due_on else None,
            },
        )
    return claim


def _filed_line(claim: Claim) -> str:
    values = {"item": claim.item.label, "agency": claim.deciding_agency.label}
    if claim.due_on:
        values["day"] = _day(claim.due_on)
        return _("Claim filed: %(item)s, decided by %(agency)s, due %(day)s") % values
    return _("Claim filed: %(item)s, decided by %(agency)s") % values


# Deciding ---------------------------------------------------------------------------------


def _check_decider(claim: Claim, actor: User) -> None:
    """The decider acts, now, as the item's deciding role of the deciding agency (not merely
    holds such a membership somewhere), and is not the person who filed the claim."""
    item = claim.item
    if actor.pk == claim.filed_by_id:
        raise SupportError(_("The person who filed a claim cannot decide it."))
    if hasattr(actor, "active_membership"):
        acting = actor.active_membership  # in a request: the membership the user acts for
    else:
        # Outside a request (a command, a task): only an unambiguous membership counts.
        memberships = list(Membership.objects.filter(user=actor, is_active=True)[:2])
        acting = memberships[0] if len(memberships) == 1 else None
    if (
        acting is None
        or acting.agency_id != claim.deciding_agency_id
        or acting.role != item.deciding_role
        or not Membership.objects.filter(pk=acting.pk, is_active=True).exists()
    ):
        raise SupportError(
            _("Only a %(role)s of %(agency)s decides this claim.")
            % {"role": Role(item.deciding_role).label, "agency": claim.deciding_agency.label}
        )


def _check_decided_amount(item: SupportItem, approve: bool, amount) -> None:
    if approve and item.amount_kind != AmountKind.IN_KIND:
        if amount is None or not _is_whole_vnd(amount) or amount == 0:
            raise SupportError(_("Give the approved amount as a whole number of VND greater than zero."))
    elif amount is not None:
        raise SupportError(_("Only an approved claim for money has an amount."))


def claim_ref(claim: Claim) -> str:
    return f"{claim.case.reference}/C{claim.pk}"


def _grant_decider(claim: Claim, *, actor: User) -> None:
    """The deciding agency's deciding role sees what it decides on: core and support, for this
    claim (revoked when it refuses; kept after approval, as it pays)."""
    if claim.deciding_agency_id == claim.case.owning_agency_id:
        return
    groups = do_ensure_agency_groups(claim.deciding_agency)
    grant_case(
        claim.case,
        group=groups[claim.item.deciding_role].group,
        classes=[SensitivityClass.CORE, SensitivityClass.SUPPORT],
        can_change=False,
        source=CaseGrant.Source.CLAIM,
        source_ref=claim_ref(claim),
        actor=actor,
    )


@refusals_audited
def do_decide_claim(
    claim: Claim, *, approve: bool, reason: str, actor: User, amount_decided_vnd: int | None = None
) -> Claim:
    """Approve or refuse a filed claim, with a reason; only the role the item names, in the
    deciding agency, decides."""
    reason = (reason or "").strip()
    with transaction.atomic():
        # of=("self",): lock the claim only, not the joined case, item and agency rows.
        locked = (
            Claim.objects.select_for_update(no_key=True, of=("self",))
            .select_related("case", "item", "deciding_agency")
            .get(pk=claim.pk)
        )
        if locked.status != ClaimStatus.FILED:
            raise SupportError(_("This claim has already been decided."))
        _check_decider(locked, actor)
        if not reason:
            raise SupportError(_("Give the reason for the decision."))
        _check_decided_amount(locked.item, approve, amount_decided_vnd)
        locked.status = ClaimStatus.APPROVED if approve else ClaimStatus.REFUSED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.decision_reason = reason
        locked.amount_decided_vnd = amount_decided_vnd
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "amount_decided_vnd"])
        if locked.status == ClaimStatus.REFUSED:
            # Nothing to pay: the deciding agency's view of the case ends with its decision.
            for grant in CaseGrant.objects.filter(
                case=locked.case, source=CaseGrant.Source.CLAIM, source_ref=claim_ref(locked), revoked_at__isnull=True
            ):
                revoke_case(grant, actor=actor)
        record_event(
            locked.case,
            CaseEvent.Kind.SUPPORT,
            actor=actor,
            sensitivity=SensitivityClass.SUPPORT,
            reason=_timeline_line(_decided_line, locked),
        )
        audit.record(
            AuditEvent.Action.TRANSITION,
            actor=actor,
            case=locked.case,
            obj=locked,
            classes=[SensitivityClass.SUPPORT],
            detail={
                "item": locked.item.code,
                "from": ClaimStatus.FILED,
                "to": locked.status,
                "amount_decided_vnd": amount_decided_vnd,
            },
        )
    return locked


def _decided_line(claim: Claim) -> str:
    values = {"item": claim.item.label, "reason": claim.decision_reason}
    if claim.status == ClaimStatus.REFUSED:
        return _("Claim refused: %(item)s — %(reason)s") % values
    if claim.amount_decided_vnd is not None:
        values["amount"] = f"{claim.amount_decided_vnd:,}".replace(",", ".")
        return _("Claim approved: %(item)s, %(amount)s VND — %(reason)s") % values
    return _("Claim approved: %(item)s — %(reason)s") % values


# Deadlines --------------------------------------------------------------------------------


def do_flag_overdue_claims(now: datetime.datetime | None = None) -> int:
    """Flag every filed claim past its decision date once; a second run finds nothing to flag."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = Claim.objects.filter(status=ClaimStatus.FILED, due_on__lt=today, overdue_flagged_at__isnull=True)
    flagged = 0
    for claim_id in candidates.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            # Compare-and-set: a concurrent run, or a decision made meanwhile, leaves 0 rows.
            claimed = Claim.objects.filter(
                pk=claim_id, status=ClaimStatus.FILED, due_on__lt=today, overdue_flagged_at__isnull=True
            ).update(overdue_flagged_at=now)
            if not claimed:
                continue
            claim = Claim.objects.select_related("case", "item").get(pk=claim_id)
            record_event(
                claim.case,
                CaseEvent.Kind.OVERDUE,
                actor=None,
                sensitivity=SensitivityClass.SUPPORT,
                reason=_timeline_line(_overdue_line, claim),
            )
            audit.record(
                AuditEvent.Action.UPDATE,
                case=claim.case,
                obj=claim,
                classes=[SensitivityClass.SUPPORT],
                detail={"overdue": claim.due_on.isoformat() if claim.due_on else None},
            )
            flagged += 1
    return flagged


def _overdue_line(claim: Claim) -> str:
    return _("Decision on the claim for %(item)s was due %(day)s") % {
        "item": claim.item.label,
        "day": _day(claim.due_on),
    }


# Caps -------------------------------------------------------------------------------------


@refusals_audited
def do_extend_cap(
    case: Case,
    *,
    item: SupportItem,
    extra_days: int | None,
    decision_number: str,
    decided_by: str,
    decided_on: datetime.date | None,
    reason: str,
    actor: User,
) -> CapExtension:
    """Record a decision giving more days of a capped item (e.g. essential needs beyond 120
    days, extended by the facility's director or the Department of Health)."""
    decision_number, decided_by, reason = decision_number.strip(), decided_by.strip(), reason.strip()
    if item.cap_days is None or not item.extendable:
        raise SupportError(_("“%(item)s” has no cap that a decision can extend.") % {"item": item.label})
    if not isinstance(extra_days, int) or isinstance(extra_days, bool) or extra_days < 1:
        raise SupportError(_("Give the number of extra days, at least one."))
    if not decision_number or not decided_by:
        raise SupportError(_("Give the decision's number and who decided."))
    if decided_on is None or decided_on > timezone.localdate():
        raise SupportError(_("Give the date of the decision; it cannot be in the future."))
    if not reason:
        raise SupportError(_("Give the reason for the extension."))
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("person__nationality")
            .get(pk=case.pk)
        )
        if item.pk not in {entitlement.item.pk for entitlement in entitlements(locked)}:
            raise SupportError(_("The person is not eligible for “%(item)s”.") % {"item": item.label})
        extension = CapExtension.objects.create(
            case=locked,
            item=item,
            extra_days=extra_days,
            decision_number=decision_number,
            decided_by=decided_by,
            decided_on=decided_on,
            reason=reason,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        record_event(
            locked,
            CaseEvent.Kind.SUPPORT,
            actor=actor,
            sensitivity=SensitivityClass.SUPPORT,
            reason=_("%(item)s extended by %(days)s days (decision %(number)s): %(reason)s")
            % {"item": item.label, "days": extra_days, "number": decision_number, "reason": reason},
        )
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            case=locked,
            obj=extension,
            classes=[SensitivityClass.SUPPORT],
            detail={"item": item.code, "extra_days": extra_days, "decision": decision_number},
        )
    return extension


# Payments -------------------------------------------------------------------------------------


class LedgerError(CaseworkError):
    """A payment or reversal refused by a rule of the ledger."""


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


def _locked_case_province(case_id: int) -> int:
    """Lock the case row, as a correction of its province does, and read the province of
    reception a new ledger line carries (`CaseProvinceCopy`, decision 325): a concurrent
    correction then either waits for the line or is seen by it, never leaves it behind. Taken
    before the claim's and the payment's locks, in the order a correction takes them."""
    return Case.objects.select_for_update(no_key=True).values_list("reception_province_id", flat=True).get(pk=case_id)


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
        already = total(Payment.objects.filter(case=case, item=item))
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
    if left is None:  # approved without an amount (an in-kind or case-by-case item): no ceiling
        return
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
        province_id = _locked_case_province(case.pk)
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
            case_province_id=province_id,
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
        province_id = _locked_case_province(payment.case_id)
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
                    case_province_id=province_id,
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
