"""The only way views fetch referrals.

A referral is visible to the agencies at both of its ends, as the user's *active* membership
acts for them (docs/decisions.md 2). Missing and not allowed are the same 404, and a denied
attempt leaves an audit row.
"""

import uuid

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.http import Http404

from casework import audit
from casework.access import active_membership, holds_class
from casework.models import AuditEvent, SensitivityClass
from referrals.models import Referral, ReferralStatus

INBOX_STATUSES = (
    ReferralStatus.SENT,
    ReferralStatus.RECEIVED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.HANDED_OVER,
)


def access_referral(user, public_id: uuid.UUID) -> Referral:
    """The referral if the active agency sends or receives it; 404 (and an audit row) otherwise."""
    membership = active_membership(user)
    referral = (
        Referral.objects.select_related(
            "case", "purpose", "from_agency", "to_agency", "assigned_to", "sent_by", "redirected_to"
        )
        .filter(public_id=public_id)
        .first()
    )
    agency_id = membership.agency_id if membership is not None else None
    if referral is None or agency_id not in (referral.from_agency_id, referral.to_agency_id):
        audit.record(
            AuditEvent.Action.DENIED,
            actor=user,
            case=referral.case if referral is not None else None,
            detail={"referral": str(public_id)},
        )
        raise Http404
    return referral


def _with_person_name(referrals: QuerySet[Referral], user) -> QuerySet[Referral]:
    """`person_name` is filled in the same query only where the user holds `identity` on the
    case, so a name the user may not see never leaves the database."""
    return referrals.annotate(shows_identity=holds_class(user, SensitivityClass.IDENTITY, "case_id")).annotate(
        person_name=SqlCase(When(shows_identity=True, then=F("case__person__full_name")), default=Value("")),
    )


def _inbox(user) -> QuerySet[Referral]:
    membership = active_membership(user)
    if membership is None:
        return Referral.objects.none()
    return Referral.objects.filter(to_agency_id=membership.agency_id, status__in=INBOX_STATUSES)


def inbox_referrals(user) -> QuerySet[Referral]:
    """Referrals to the active agency still needing its work: overdue first, then by due time."""
    overdue = ExpressionWrapper(Q(overdue_flagged_at__isnull=False), output_field=BooleanField())
    return (
        _with_person_name(_inbox(user), user)
        .select_related("case", "purpose", "from_agency", "assigned_to")
        .annotate(overdue=overdue)
        .order_by("-overdue", F("due_at").asc(nulls_last=True), "created_at", "id")
    )


def inbox_count(user) -> int:
    return _inbox(user).count()


def sent_referrals(user) -> QuerySet[Referral]:
    """Open referrals the active agency sent, soonest due first."""
    membership = active_membership(user)
    if membership is None:
        return Referral.objects.none()
    sent = Referral.objects.filter(from_agency_id=membership.agency_id, status__in=INBOX_STATUSES)
    return (
        _with_person_name(sent, user)
        .select_related("case", "purpose", "to_agency", "assigned_to")
        .order_by(F("due_at").asc(nulls_last=True), "created_at", "id")
    )
