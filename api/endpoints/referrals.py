"""The agency's referrals: its inbox and what it sent (`referrals.access.inbox_referrals`,
`sent_referrals`), one referral (`access_referral`), and the receiver's and sender's moves
through the same actions and checks as the referral page (`referrals.views.workflow`)."""

import uuid
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from api.auth import ClientAuth
from api.errors import Conflict, Invalid
from api.models import Scope
from api.schemas import ErrorOut, ReasonIn, ReferralList, ReferralOut
from casework import audit
from casework.access import deny
from casework.lib.person_name import names_shown
from casework.models import AuditEvent, SensitivityClass
from referrals import actions
from referrals.access import (
    RECEIVER,
    SENDER,
    access_referral,
    inbox_referrals,
    may_act_on_referral,
    referral_profile,
    referral_side,
    sent_referrals,
    with_profile,
)
from referrals.actions import ReferralError
from referrals.models import Referral
from referrals.views.workflow import CANCELLABLE, INBOX_LIMIT, shows_profile

router = Router(tags=["referrals"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
ACT_ERRORS = {**ERRORS, 409: ErrorOut}


class ReferralQuery(Schema):
    box: Literal["inbox", "sent"] = Field("inbox", description="Received with work left, or sent with work left.")
    limit: int = Field(100, ge=1, le=INBOX_LIMIT)


def referral_out(referral: Referral, side: str, *, person_name: str | None) -> dict:
    profile = referral_profile(referral) if shows_profile(referral, side) else None
    return {
        "code": referral.public_id,
        "reference": referral.reference,
        "purpose": referral.purpose.code,
        "status": referral.status,
        "side": side,
        "from_agency": referral.from_agency.code,
        "to_agency": referral.to_agency.code,
        "case": referral.case.public_id,
        "urgent": referral.urgent,
        "due_at": referral.due_at,
        "overdue": referral.overdue_flagged_at is not None,
        "created_at": referral.created_at,
        "person_name": person_name,
        "profile": None
        if profile is None
        else {
            "sex": profile.sex,
            "age_band": profile.age_band,
            "is_child": profile.is_child,
            "languages": profile.languages,
            "urgent": profile.urgent,
        },
    }


@router.get("/referrals", response={200: ReferralList, **ERRORS}, auth=ClientAuth(Scope.REFERRALS_READ))
def list_referrals(request: HttpRequest, query: Query[ReferralQuery]):
    """The inbox (overdue first, then by due time) or the referrals sent, as the inbox page
    lists them; the person's name only where the agency holds `identity`."""
    user = request.user
    side = RECEIVER if query.box == "inbox" else SENDER
    listed = inbox_referrals(user) if side == RECEIVER else with_profile(sent_referrals(user))
    rows = list(listed.select_related("to_agency", "from_agency")[: query.limit])
    identity_shown = names_shown(rows)
    audit.record(
        AuditEvent.Action.LIST,
        actor=user,
        classes=[SensitivityClass.CORE] + ([SensitivityClass.IDENTITY] if identity_shown else []),
        detail={"page": f"api-referrals-{query.box}", "shown": len(rows), "profiles": len(rows)},
    )
    items = [
        referral_out(referral, side, person_name=referral.person_name if referral.shows_identity else None)
        for referral in rows
    ]
    return {"items": items}


@router.get("/referrals/{code}", response={200: ReferralOut, **ERRORS}, auth=ClientAuth(Scope.REFERRALS_READ))
def get_referral(request: HttpRequest, code: uuid.UUID):
    """One referral the agency sends or receives; 404 otherwise (a coordinator's escalated view
    is for its supervisors on the web)."""
    user = request.user
    referral = access_referral(user, code)
    side = referral_side(user, referral)
    if side not in (RECEIVER, SENDER):
        deny(user, {"referral": referral.reference, "need": "api"}, case=referral.case)
    audit.record(
        AuditEvent.Action.VIEW,
        actor=user,
        case=referral.case,
        obj=referral,
        classes=[SensitivityClass.CORE],
        detail={"profile": shows_profile(referral, side)},
    )
    return referral_out(referral, side, person_name=None)


MOVES = {
    "acknowledge": (RECEIVER, False),
    "accept": (RECEIVER, False),
    "decline": (RECEIVER, True),
    "complete": (RECEIVER, True),
    "cancel": (SENDER, True),
}


def _move(request: HttpRequest, code: uuid.UUID, move: str, reason: str) -> dict:
    """As `referral_move`: the referral, the agency's side and its right to act (404 with a
    `denied` row otherwise), then the action, whose refusals are audited by the action itself."""
    user = request.user
    referral = access_referral(user, code)
    side = referral_side(user, referral)
    needed, needs_reason = MOVES[move]
    if side != needed or not may_act_on_referral(user, referral, side):
        deny(user, {"referral": referral.reference, "need": move}, case=referral.case)
    reason = " ".join(reason.split())
    if needs_reason and not reason:
        raise Invalid(
            _("The request is not valid: see the errors."), [{"field": "reason", "message": _("Give the reason.")}]
        )
    if move == "cancel" and referral.status not in CANCELLABLE:
        raise Conflict(_("Only a referral not yet accepted can be cancelled."))
    try:
        if move == "acknowledge":
            actions.do_acknowledge_referral(referral, actor=user)
        elif move == "accept":
            actions.do_accept_referral(referral, actor=user)
        elif move == "decline":
            actions.do_decline_referral(referral, reason=reason, actor=user)
        elif move == "complete":
            actions.do_complete_referral(referral, reason=reason, actor=user)
        else:
            actions.do_cancel_referral(referral, reason=reason, actor=user)
    except ReferralError as error:
        raise Conflict(str(error))
    referral.refresh_from_db()
    return referral_out(referral, side, person_name=None)


def _register_move(move: str) -> None:
    def view(request: HttpRequest, code: uuid.UUID, body: ReasonIn | None = None):
        return _move(request, code, move, body.reason if body is not None else "")

    view.__name__ = f"{move}_referral"
    router.post(
        f"/referrals/{{code}}/{move}",
        response={200: ReferralOut, **ACT_ERRORS},
        auth=ClientAuth(Scope.REFERRALS_ACT),
        summary=f"{move.capitalize()} the referral",
        operation_id=f"{move}_referral",
    )(view)


for _name in MOVES:
    _register_move(_name)
