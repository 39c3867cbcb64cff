"""The agency inbox, the referral page and its moves: access → form → action → redirect."""

import uuid
from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from casework import audit
from casework.access import Capability, access_case, deny
from casework.lib.person_name import names_shown
from casework.models import Agency, AuditEvent, Role, SensitivityClass, User
from casework.pagination import newest_first
from casework.views.common import form_errors_to_messages, membership_required
from referrals import actions
from referrals.access import (
    ACTING_ROLES,
    COORDINATOR,
    RECEIVER,
    SENDER,
    access_referral,
    archived_referrals,
    escalated_referrals,
    inbox_referrals,
    may_act_on_referral,
    referral_profile,
    referral_side,
    sent_referrals,
)
from referrals.actions import ReferralError
from referrals.forms import ArchivePageForm, AssignWorkerForm, MoveForm, RedirectForm, SendReferralForm
from referrals.models import HandoverMinutes, Referral, ReferralStatus
from referrals.rows import referral_rows
from shelters.models import Placement
from support.queries import claims_to_decide

INBOX_LIMIT = 200
ARCHIVE_PAGE_SIZE = 25
CANCELLABLE = {ReferralStatus.SENT, ReferralStatus.RECEIVED}


def _caseworkers(agency_id: int):
    return User.objects.filter(
        memberships__agency_id=agency_id,
        memberships__role=Role.CASEWORKER,
        memberships__is_active=True,
        is_active=True,  # never a deactivated or machine account (decision 238)
    ).order_by("username")


def _redirect_targets(referral: Referral):
    """Active agencies of a kind the purpose may go to, other than the two ends."""
    return (
        Agency.objects.filter(is_active=True, kind__in=referral.purpose.receiver_kinds.all())
        .exclude(pk__in=[referral.to_agency_id, referral.from_agency_id])
        .order_by("name")
    )


def _is_supervisor(user) -> bool:
    return user.active_membership.role == Role.SUPERVISOR


def shows_profile(referral: Referral, side: str) -> bool:
    """The person's profile (decision 205) is for the sender, and for the receiver while the
    referral is still its to decide or work on: not once declined or cancelled, when its
    `core` grant is gone too."""
    if side == SENDER:
        return True
    return side == RECEIVER and referral.status not in (ReferralStatus.DECLINED, ReferralStatus.CANCELLED)


def _deny(user, referral: Referral, need: str):
    deny(user, {"referral": referral.reference, "need": need}, case=referral.case)


@membership_required
def inbox(request):
    user = request.user
    received = list(inbox_referrals(user)[:INBOX_LIMIT])
    for referral in received:
        referral.profile = referral_profile(referral) if shows_profile(referral, RECEIVER) else None
    sent = list(sent_referrals(user)[:INBOX_LIMIT])
    escalated = list(escalated_referrals(user)[:INBOX_LIMIT])
    membership = user.active_membership
    caseworkers = list(_caseworkers(membership.agency_id)) if _is_supervisor(user) else []
    # Claims go to the role each item names (a supervisor unless the catalogue says otherwise);
    # the rows show case references only, never names.
    claims = list(claims_to_decide(membership.agency).filter(item__deciding_role=membership.role)[:INBOX_LIMIT])
    identity_shown = names_shown(received + sent)
    audit.record(
        AuditEvent.Action.LIST,
        actor=user,
        classes=[SensitivityClass.CORE]
        + ([SensitivityClass.IDENTITY] if identity_shown else [])
        + ([SensitivityClass.SUPPORT] if claims else []),
        detail={
            "page": "referral-inbox",
            "shown": len(received),
            "sent": len(sent),
            "claims": len(claims),
            # Each received row shows the person's profile (sex, age band, languages).
            "profiles": len(received),
        },
    )
    now = timezone.now()
    context = {
        "received": received,
        "received_rows": referral_rows(received, outgoing=False, pickable=bool(caseworkers), now=now),
        "caseworkers": caseworkers,
        "sent": sent,
        "sent_rows": referral_rows(sent, outgoing=True, now=now),
        "escalated": escalated,
        "claims": claims,
        "now": now,
        "today": timezone.localdate(),
    }
    return render(request, "referrals/inbox.html", context)


@membership_required
def archive(request):
    """The archive tab ("Lưu trữ"): the agency's finished referrals, received or sent, newest
    first, paged with a cursor (docs/decisions.md 220). A bad query string is a 400."""
    user = request.user
    form = ArchivePageForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("This archive page address is not valid: open the archive again from its tabs."))
        return render(request, "referrals/archive.html", {"referrals": [], "side": "received"}, status=400)
    side = form.cleaned_data["side"] or "received"
    referrals = archived_referrals(user, side)
    page = newest_first(
        referrals,
        referrals,
        number=form.cleaned_data["page"] or 1,
        size=ARCHIVE_PAGE_SIZE,
        after=form.cleaned_data["after"],
        before=form.cleaned_data["before"],
    )
    identity_shown = names_shown(page.rows)
    audit.record(
        AuditEvent.Action.LIST,
        actor=user,
        classes=[SensitivityClass.CORE] + ([SensitivityClass.IDENTITY] if identity_shown else []),
        detail={"page": "referral-archive", "side": side, "shown": len(page.rows), "number": page.number},
    )
    context = {"referrals": page.rows, "page": page, "side": side, "outgoing": side == "sent"}
    return render(request, "referrals/archive.html", context)


@membership_required
def detail(request, code):
    user = request.user
    referral = access_referral(user, code)
    side = referral_side(user, referral)
    audit.record(
        AuditEvent.Action.VIEW,
        actor=user,
        case=referral.case,
        obj=referral,
        classes=[SensitivityClass.CORE],
        detail={"profile": shows_profile(referral, side)},
    )
    if side == COORDINATOR:
        return _coordinator_detail(request, referral)
    context = {
        "referral": referral,
        "profile": referral_profile(referral) if shows_profile(referral, side) else None,
        "side": side,
        "events": referral.events.select_related("actor", "agency"),
        "shared": sorted(actions.shared_classes(referral)),
        "move_form": MoveForm(auto_id="move_%s"),
        "minutes": HandoverMinutes.objects.filter(referral=referral).first(),
        "now": timezone.now(),
        "can_act": may_act_on_referral(user, referral, side),
        "can_cancel": side == SENDER and referral.status in CANCELLABLE and user.active_membership.role in ACTING_ROLES,
    }
    if context["can_cancel"] and _is_supervisor(user):
        context["redirect_form"] = RedirectForm(agencies=_redirect_targets(referral), auto_id="redirect_%s")
    if side == RECEIVER and _is_supervisor(user) and referral.is_open:
        context["caseworkers"] = _caseworkers(referral.to_agency_id)
    if side == RECEIVER and referral.status in (ReferralStatus.ACCEPTED, ReferralStatus.HANDED_OVER):
        # An accepted placement not yet admitted: the shelter admits her from here.
        context["placement"] = (
            Placement.objects.filter(reference=referral.reference, stay__isnull=True).select_related("facility").first()
        )
    return render(request, "referrals/referral_detail.html", context)


def _coordinator_detail(request, referral: Referral):
    """What the coordinating supervisor needs to redirect a stuck step: numbers, purpose,
    agencies, status and deadline — no person, no notes, no case link."""
    context = {"referral": referral, "now": timezone.now()}
    if referral.status in CANCELLABLE:
        context["redirect_form"] = RedirectForm(agencies=_redirect_targets(referral), auto_id="redirect_%s")
    return render(request, "referrals/referral_escalated.html", context)


def referral_move(side: str | tuple[str, ...], *, supervisor: bool = False, methods: tuple[str, ...] = ("POST",)):
    """Wrap a handler (POST unless `methods` says otherwise): fetch the referral, check the
    active agency's side, turn a refusal (already audited by the action) into a message, go
    back to the referral."""

    def decorate(handler):
        @membership_required
        @require_http_methods(list(methods))
        @wraps(handler)
        def view(request, code):
            referral = access_referral(request.user, code)
            actual_side = referral_side(request.user, referral)
            if (
                actual_side not in ((side,) if isinstance(side, str) else side)
                or not may_act_on_referral(request.user, referral, actual_side)
                or (supervisor and not _is_supervisor(request.user))
            ):
                _deny(request.user, referral, handler.__name__)
            try:
                response = handler(request, referral)
            except ReferralError as error:
                messages.error(request, str(error))
                response = None
            return response or redirect("referrals:detail", code=referral.public_id)

        return view

    return decorate


def _reason(request, referral: Referral) -> str | None:
    form = MoveForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=referral.case)
        return None
    return form.cleaned_data["reason"]


@referral_move(RECEIVER)
def acknowledge(request, referral):
    actions.do_acknowledge_referral(referral, actor=request.user)
    messages.success(request, _("Referral acknowledged."))


@referral_move(RECEIVER)
def accept(request, referral):
    actions.do_accept_referral(referral, actor=request.user)
    messages.success(request, _("Referral accepted."))


@referral_move(RECEIVER)
def decline(request, referral):
    reason = _reason(request, referral)
    if reason is not None:
        actions.do_decline_referral(referral, reason=reason, actor=request.user)
        messages.success(request, _("Referral declined."))


@referral_move(RECEIVER)
def complete(request, referral):
    reason = _reason(request, referral)
    if reason is not None:
        actions.do_complete_referral(referral, reason=reason, actor=request.user)
        messages.success(request, _("Referral completed."))


@referral_move(SENDER)
def cancel(request, referral):
    reason = _reason(request, referral)
    if reason is not None:
        actions.do_cancel_referral(referral, reason=reason, actor=request.user)
        messages.success(request, _("Referral cancelled."))


@referral_move((SENDER, COORDINATOR), supervisor=True)
def redirect_referral(request, referral):
    form = RedirectForm(request.POST, agencies=_redirect_targets(referral))
    if not form.is_valid():
        form_errors_to_messages(request, form, case=referral.case)
        return
    data = form.cleaned_data
    new = actions.do_redirect_referral(referral, to_agency=data["to_agency"], reason=data["reason"], actor=request.user)
    messages.success(request, _("Referral redirected as %(reference)s.") % {"reference": new.reference})
    if referral_side(request.user, referral) == COORDINATOR:
        # The old referral is no longer escalated, so no longer the coordinator's to see.
        return redirect("referrals:inbox")


@referral_move(RECEIVER, supervisor=True)
def assign(request, referral):
    """The referral page's assignment form; the inbox's is `assign_many`."""
    form = AssignWorkerForm(request.POST, caseworkers=_caseworkers(referral.to_agency_id))
    if not referral.is_open or not form.is_valid():
        messages.error(request, _("Choose a caseworker of your agency for an open referral."))
        return
    actions.do_assign_referral(referral, worker=form.cleaned_data["user"], actor=request.user)
    messages.success(request, _("Caseworker assigned."))


@membership_required
@require_http_methods(["POST"])
def assign_many(request):
    """The inbox's one assignment form (decision 308): the referrals the supervisor ticked go
    to one caseworker, each as `assign` gives it. A referral the agency does not receive is
    404, as its own page is; one closed meanwhile is named and left as it is."""
    user = request.user
    if not _is_supervisor(user):
        deny(user, {"need": "assign_many"})
    codes = list(dict.fromkeys(request.POST.getlist("referral")))  # a referral sent twice is assigned once
    if len(codes) > INBOX_LIMIT:
        messages.error(request, _("Choose at most %(count)s referrals at once.") % {"count": INBOX_LIMIT})
        return redirect("referrals:inbox")
    referrals = []
    for code in codes:
        referral = access_referral(user, _as_uuid(code, user))
        if referral_side(user, referral) != RECEIVER:
            _deny(user, referral, "assign_many")
        referrals.append(referral)
    form = AssignWorkerForm(request.POST, caseworkers=_caseworkers(user.active_membership.agency_id))
    if not referrals or not form.is_valid():
        messages.error(request, _("Tick the referrals to assign and choose a caseworker of your agency."))
        return redirect("referrals:inbox")
    worker, refused = form.cleaned_data["user"], []
    for referral in referrals:
        try:
            actions.do_assign_referral(referral, worker=worker, actor=user)
        except ReferralError:
            refused.append(referral.reference)
    assigned = len(referrals) - len(refused)
    if assigned:
        messages.success(
            request,
            ngettext(
                "%(count)s referral assigned to %(worker)s.", "%(count)s referrals assigned to %(worker)s.", assigned
            )
            % {"count": assigned, "worker": worker},
        )
    if refused:
        messages.error(
            request,
            _("No longer open, not assigned: %(references)s.") % {"references": ", ".join(refused)},
        )
    return redirect("referrals:inbox")


def _as_uuid(code: str, user) -> uuid.UUID:
    """A referral's public id from a form; anything else is not found, like a bad address."""
    try:
        return uuid.UUID(code)
    except ValueError:
        deny(user, {"referral": code[:64]})


@membership_required
@require_http_methods(["GET", "POST"])
def send(request, code):
    """Send a referral for a case on behalf of the active agency."""
    user = request.user
    case, _held = access_case(user, code, need=Capability.SEND_REFERRAL)
    from_agency = user.active_membership.agency
    if request.method != "POST":
        audit.record(AuditEvent.Action.VIEW, actor=user, case=case, classes=[SensitivityClass.CORE])
        context = {"case": case, "form": SendReferralForm(from_agency=from_agency)}
        return render(request, "referrals/send.html", context)
    form = SendReferralForm(request.POST, from_agency=from_agency)
    if not form.is_valid():
        # Re-render with what was typed; the errors show next to the fields.
        return render(request, "referrals/send.html", {"case": case, "form": form}, status=400)
    data = form.cleaned_data
    try:
        referral = actions.do_send_referral(
            case,
            purpose=data["purpose"],
            to_agency=data["to_agency"],
            from_agency=from_agency,
            note=data["note"],
            urgent=data["urgent"],
            actor=user,
        )
    except ReferralError as error:
        form.add_error(None, str(error))
        return render(request, "referrals/send.html", {"case": case, "form": form}, status=400)
    messages.success(request, _("Referral %(reference)s sent.") % {"reference": referral.reference})
    back = redirect("casework:case-detail", code=case.public_id)
    back["Location"] += "#referrals"
    return back
