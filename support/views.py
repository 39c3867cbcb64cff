"""The support plan of a case (docs/domain.md §5), for holders of the `support` class only: what the
person is owed and why, claims and their decisions, and payments. It is loaded into the case
page by htmx, so the case page keeps its query budget (QUALITY P1); without JavaScript it is a
page of its own. Forms post back here and answer with the plan again (400 when refused)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework import audit
from casework.access import Capability, access_case, deny
from casework.forms import NUL_REFUSED, contains_nul
from casework.models import Agency, AuditEvent, SensitivityClass
from casework.views.common import is_htmx, membership_required
from support.access import may_decide_claim
from support.actions import LedgerError, SupportError, do_decide_claim, do_extend_cap, do_file_claim, do_record_payment
from support.entitlements import adult_companion, plan
from support.forms import CapExtensionForm, ClaimForm, DecisionForm, PaymentForm
from support.models import AmountKind, ClaimStatus, SupportItem

SUPPORT = SensitivityClass.SUPPORT


def _claimable(item: SupportItem) -> bool:
    return bool(item.claim_form or item.claim_within_months)


def _context(request, case, held, *, bound=None, bound_for=None, notice=None, refusal=None) -> dict:
    """The plan rows with the forms this user may use on each; `bound` replaces the blank form
    of the row or claim it was posted for, so a refusal shows what was typed."""
    membership = request.user.active_membership
    rows = plan(case)
    kinds = {row.item.deciding_kind_id for row in rows if _claimable(row.item)}
    agencies: dict[int | None, list[Agency]] = {}
    active = Agency.objects.filter(is_active=True).order_by("name")
    # An item without a deciding kind may be decided by any active agency.
    for agency in active if None in kinds else active.filter(kind_id__in=kinds):
        agencies.setdefault(agency.kind_id, []).append(agency)
    may_file = held.can(Capability.FILE_CLAIM)
    may_extend = held.can(Capability.EXTEND_CAP)
    may_pay = held.can(Capability.RECORD_PAYMENT)
    today = timezone.localdate()
    for row in rows:
        item = row.item
        row.claim_form = None
        row.payment_form = None
        row.extension_form = None
        if may_extend and item.cap_days and item.extendable:
            row.extension_form = (
                bound
                if bound_for == ("extend", item.code)
                else CapExtensionForm(initial={"item": item.code}, auto_id=f"extend-{item.code}-%s")
            )
        open_claim = any(claim.status == ClaimStatus.FILED for claim in row.claims)
        if may_file and _claimable(item) and not open_claim:
            if bound_for == ("claim", item.code):
                row.claim_form = bound
            else:
                key = item.deciding_kind_id
                choices = agencies.get(key, []) if key else [a for group in agencies.values() for a in group]
                row.claim_form = ClaimForm(
                    initial={"item": item.code}, agencies=choices, auto_id=f"claim-{item.code}-%s"
                )
        for claim in row.claims:
            claim.decision_form = None
            claim.item = item
            if claim.status == ClaimStatus.FILED and may_decide_claim(request.user, claim):
                claim.decision_form = (
                    bound if bound_for == ("decide", claim.pk) else DecisionForm(auto_id=f"decide-{claim.pk}-%s")
                )
        if may_pay and item.amount_kind != AmountKind.IN_KIND:
            approved = next((c for c in row.claims if c.status == ClaimStatus.APPROVED), None)
            payer_ok = membership.agency_id == case.owning_agency_id or (
                approved is not None and membership.agency_id == approved.deciding_agency_id
            )
            owed = approved is not None and (row.remaining_vnd or 0) > 0
            # A per-day item without a rate cannot be paid yet (support.actions refuses it).
            priced = item.amount_kind != AmountKind.PER_DAY or row.rate_vnd is not None
            if payer_ok and (owed or (not _claimable(item) and priced)):
                initial = {"item": item.code, "paid_on": today, "claim": approved.public_id if approved else None}
                row.payment_form = (
                    bound
                    if bound_for == ("pay", item.code)
                    else PaymentForm(initial=initial, auto_id=f"pay-{item.code}-%s")
                )
    return {
        "case": case,
        "rows": rows,
        "held": held,
        "notice": notice,
        "refusal": refusal,
        "adult_companion": adult_companion(case),
    }


def _answer(request, case, held, *, status=200, **context):
    """The plan, audited as a view whenever it is shown (also with a refused form)."""
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=case,
        classes=[SUPPORT],
        detail={"page": "support-plan", "status": status},
    )
    template = "support/_support_plan.html" if is_htmx(request) else "support/support_page.html"
    return render(request, template, _context(request, case, held, **context), status=status)


@require_GET
@membership_required
def support_plan(request, code):
    case, held = access_case(request.user, code, need=SUPPORT)
    return _answer(request, case, held)


def _unreadable(request, case, held):
    """A form whose item code is refused by the input guard: the plan again, with the reason."""
    return _answer(request, case, held, status=400, refusal=str(NUL_REFUSED))


def _done(request, case, held, message: str):
    if is_htmx(request):
        return _answer(request, case, held, notice=message)
    messages.success(request, message)
    return redirect(reverse("casework:case-detail", args=[case.public_id]) + "#support")


def _item(request, case, code: str) -> SupportItem | None:
    """The item a form was posted for; None when its code carries a NUL byte, which the form's
    guard refuses (it is neither looked up nor written to the audit log)."""
    if contains_nul(code):
        return None
    item = SupportItem.objects.filter(code=code, is_active=True).first()
    if item is None:
        deny(request.user, case=case, detail={"support_item": code[:40]})
    return item


@require_POST
@membership_required
def file_claim(request, code):
    case, held = access_case(request.user, code, need=Capability.FILE_CLAIM)
    item = _item(request, case, request.POST.get("item", ""))
    if item is None:
        return _unreadable(request, case, held)
    form = ClaimForm(request.POST, auto_id=f"claim-{item.code}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_file_claim(
                case,
                item=item,
                deciding_agency=data["deciding_agency"],
                documents=data["documents"],
                amount_requested_vnd=data["amount_requested_vnd"],
                actor=request.user,
            )
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, case, held, _("The claim is filed."))
    return _answer(request, case, held, status=400, bound=form, bound_for=("claim", item.code))


@require_POST
@membership_required
def decide_claim(request, code, claim):
    case, held = access_case(request.user, code, need=SUPPORT)
    found = case.claims.select_related("item").filter(public_id=claim).first()
    if found is None:
        deny(request.user, case=case, detail={"claim": str(claim)})
    form = DecisionForm(request.POST, auto_id=f"decide-{found.pk}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_decide_claim(
                found,
                approve=data["approve"],
                reason=data["reason"],
                amount_decided_vnd=data["amount_decided_vnd"],
                actor=request.user,
            )
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, case, held, _("The decision is recorded."))
    return _answer(request, case, held, status=400, bound=form, bound_for=("decide", found.pk))


@require_POST
@membership_required
def record_payment(request, code):
    user = request.user
    case, held = access_case(user, code, need=Capability.RECORD_PAYMENT)
    item = _item(request, case, request.POST.get("item", ""))
    if item is None:
        return _unreadable(request, case, held)
    form = PaymentForm(request.POST, auto_id=f"pay-{item.code}-%s")
    if form.is_valid():
        data = form.cleaned_data
        claim = case.claims.filter(public_id=data["claim"]).first() if data["claim"] else None
        try:
            do_record_payment(
                case,
                item=item,
                claim=claim,
                amount_vnd=data["amount_vnd"],
                paid_on=data["paid_on"],
                payer_agency=user.active_membership.agency,
                receipt_ref=data["receipt_ref"],
                note=data["note"],
                actor=user,
            )
        except LedgerError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, case, held, _("The payment is recorded."))
    return _answer(request, case, held, status=400, bound=form, bound_for=("pay", item.code))


@require_POST
@membership_required
def extend_cap(request, code):
    case, held = access_case(request.user, code, need=Capability.EXTEND_CAP)
    item = _item(request, case, request.POST.get("item", ""))
    if item is None:
        return _unreadable(request, case, held)
    form = CapExtensionForm(request.POST, auto_id=f"extend-{item.code}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_extend_cap(
                case,
                item=item,
                extra_days=data["extra_days"],
                decision_number=data["decision_number"],
                decided_by=data["decided_by"],
                decided_on=data["decided_on"],
                reason=data["reason"],
                actor=request.user,
            )
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, case, held, _("The extension is recorded."))
    return _answer(request, case, held, status=400, bound=form, bound_for=("extend", item.code))
