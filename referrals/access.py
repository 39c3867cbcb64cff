"""The only way views fetch referrals.

A referral is visible to the agencies at both of its ends, as the user's *active* membership
acts for them (docs/decisions.md 2). Missing and not allowed are the same 404, and a denied
attempt leaves an audit row.
"""

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from casework import audit
from casework.access import Actor, active_membership, with_person_name
from casework.models import (
    AgeBand,
    Agency,
    AuditEvent,
    Case,
    Membership,
    Person,
    Role,
    Sex,
    age_band_of,
)
from messaging import header_counts as header_counts_cache
from messaging.notify import notifications_of
from referrals.models import Referral, ReferralStatus
from referrals.models.core import FINISHED_STATUSES, WORK_STATUSES
from shelters.models import Facility

# Open referrals: what an escalation to the coordinator may concern. The inbox itself is
# narrower (`_has_work`, docs/decisions.md 220).
INBOX_STATUSES = (
    ReferralStatus.SENT,
    ReferralStatus.RECEIVED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.HANDED_OVER,
)


RECEIVER, SENDER = "receiver", "sender"
# The provincial coordinating agency a step was escalated to (docs/responsibility.md).
COORDINATOR = "coordinator"
# Deciding on a referral is for caseworkers and supervisors, not shelter staff or admins.
ACTING_ROLES = {Role.CASEWORKER, Role.SUPERVISOR}


def referral_side(user: Actor, referral: Referral) -> str:
    """Which end of the referral the active agency is: receiver, sender, coordinator or none."""
    membership = active_membership(user)
    if membership is None:
        return ""
    agency_id = membership.agency_id
    if agency_id == referral.to_agency_id:
        return RECEIVER
    if agency_id == referral.from_agency_id:
        return SENDER
    return COORDINATOR if agency_id == referral.escalated_to_id else ""


def may_act_on_referral(user: Actor, referral: Referral, side: str) -> bool:
    """Caseworkers and supervisors act for their agency on its own referrals; a shelter's own
    staff also act on what is sent to their shelter (docs/data-model.md, Shelters). What a receiver may then do
    on the case itself is `casework.access.can`."""
    membership = active_membership(user)
    if membership is None:
        return False
    role = membership.role
    if role in ACTING_ROLES:
        return True
    return (
        role == Role.SHELTER_STAFF
        and side == RECEIVER
        and Facility.objects.filter(agency=referral.to_agency_id).exists()
    )


def case_page_shows_referral(agency_id: int, case: Case, referral: Referral) -> bool:
    """Which referrals of a case an agency is shown (on the case page, in its exports): all of
    them while it leads the case, otherwise only those at its own ends, since the others name
    agencies it has no business knowing about (docs/decisions.md 13)."""
    return agency_id in (case.owning_agency_id, referral.from_agency_id, referral.to_agency_id)


def may_open_referral(user: Actor, referral: Referral) -> bool:
    """Whether `access_referral` would give this user the referral (no audit row: for deciding
    whether to show a link)."""
    return _may_see(active_membership(user), referral)


def _may_see(membership: Membership | None, referral: Referral) -> bool:
    if membership is None:
        return False
    if membership.agency_id in (referral.from_agency_id, referral.to_agency_id):
        return True
    # The provincial coordinating supervisor, while a step is escalated to the agency (docs/responsibility.md).
    return membership.agency_id == referral.escalated_to_id and membership.role == Role.SUPERVISOR


def access_referral(user: Actor, public_id: uuid.UUID | str) -> Referral:
    """The referral if the active agency sends or receives it, or coordinates it while it is
    escalated; 404 (and an audit row) otherwise."""
    membership = active_membership(user)
    referral = (
        Referral.objects.select_related(
            "case", "purpose", "from_agency", "to_agency", "assigned_to", "sent_by", "redirected_to"
        )
        .filter(public_id=public_id)
        .first()
    )
    if referral is None or not _may_see(membership, referral):
        audit.record(
            AuditEvent.Action.DENIED,
            actor=user,
            case=referral.case if referral is not None else None,
            detail={"referral": str(public_id)},
        )
        raise Http404
    return referral


@dataclass(frozen=True)
class ReferralProfile:
    """What the receiver of a referral learns of the person before accepting it, under `core`
    (docs/decisions.md 205): enough to know whether it can take her — sex, age band at
    reception, whether a child, languages, whether the sender marked it urgent — and nothing
    that identifies her (no name, document, birth date or year, address)."""

    sex: str
    age_band: str
    is_child: bool
    languages: str
    urgent: bool

    @property
    def sex_label(self) -> str:
        return str(Sex(self.sex).label) if self.sex in Sex.values else str(Sex.UNKNOWN.label)

    @property
    def age_band_label(self) -> str:
        return str(AgeBand(self.age_band).label)


def with_profile(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """The profile's person fields in the list's own query, as plain columns: only sex and
    languages leave the database, never the person row (its name and birth year)."""
    return referrals.annotate(profile_sex=F("case__person__sex"), profile_languages=F("case__person__languages"))


def referral_profile(referral: Referral) -> ReferralProfile:
    """The profile of a referral annotated by `with_profile`, or read for one referral (one
    query for the two person fields)."""
    if hasattr(referral, "profile_sex"):
        sex, languages = referral.profile_sex, getattr(referral, "profile_languages", "")
    else:
        found = Person.objects.filter(pk=referral.case.person_id).values_list("sex", "languages").first()
        sex, languages = found or (Sex.UNKNOWN, "")
    return ReferralProfile(
        sex=sex or Sex.UNKNOWN,
        age_band=age_band_of(referral.case.age_at_reception),
        is_child=referral.case.is_child,
        languages=languages or "",
        urgent=referral.urgent,
    )


def recent_handover_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Handed over since this moment: still in the inbox (`REFERRAL_INBOX_RECENT_DAYS`)."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.REFERRAL_INBOX_RECENT_DAYS)


def _has_work(cutoff: datetime.datetime) -> Q:
    """A referral with work left: a step with a deadline, or a handover of the last few days
    (docs/decisions.md 220). Each arm matches a partial index: `referral_*_work`, `referral_*_handover`."""
    return Q(status__in=sorted(WORK_STATUSES)) | Q(status=ReferralStatus.HANDED_OVER, status_changed_at__gte=cutoff)


def _finished(cutoff: datetime.datetime) -> Q:
    """The archive: what `_has_work` leaves out, drafts apart."""
    return Q(status__in=sorted(FINISHED_STATUSES)) & ~Q(
        status=ReferralStatus.HANDED_OVER, status_changed_at__gte=cutoff
    )


def _inbox(user: Actor) -> QuerySet[Referral]:
    membership = active_membership(user)
    if membership is None:
        return Referral.objects.none()
    return Referral.objects.filter(_has_work(recent_handover_cutoff()), to_agency_id=membership.agency_id)


# What a referral list reads of its case: the profile's age and whether a child (the inbox), and
# the case's public id (the API). The case's other ~40 columns — its narrative, dates and
# codes — are neither compiled, sent nor built into each row's case (decision 321).
LIST_CASE_FIELDS = frozenset({"id", "public_id", "reference", "person", "age_at_reception", "is_child"})


# What the lists read of the other rows they join: a purpose's and an agency's label (name,
# name_en) and code (the API), the assignee's name. Their other columns — deadlines and legal
# basis, an agency's e-mail and flags, the assignee's password hash — stay in the database
# (decision 323).
LABEL_FIELDS = frozenset({"id", "name", "name_en", "code"})
LIST_JOINED_FIELDS = {
    "case": LIST_CASE_FIELDS,
    "purpose": LABEL_FIELDS,
    "from_agency": LABEL_FIELDS,
    "to_agency": LABEL_FIELDS,
    "assigned_to": frozenset({"id", "full_name", "username"}),
}


def _joined_for_lists(referrals: QuerySet[Referral], *relations: str) -> QuerySet[Referral]:
    unread = [
        f"{relation}__{field.name}"
        for relation in relations
        for field in _joined_model(relation)._meta.concrete_fields
        if field.name not in LIST_JOINED_FIELDS[relation]
    ]
    return referrals.select_related(*relations).defer(*unread)


def _joined_model(relation: str) -> type[Model]:
    model = Referral._meta.get_field(relation).related_model
    if not isinstance(model, type):  # a foreign key of Referral's resolves to its model class
        raise TypeError(f"{relation} is not a foreign key of Referral")
    return model


RECEIVED_JOINS = ("purpose", "from_agency", "assigned_to")
SENT_JOINS = ("purpose", "to_agency", "assigned_to")


def inbox_referrals(user: Actor) -> QuerySet[Referral]:
    """Referrals to the active agency still needing its work: overdue first, then by due time."""
    overdue = ExpressionWrapper(Q(overdue_flagged_at__isnull=False), output_field=BooleanField())
    return (
        _joined_for_lists(with_profile(with_person_name(_inbox(user), user)), "case", *RECEIVED_JOINS)
        .annotate(overdue=overdue)
        .order_by("-overdue", F("due_at").asc(nulls_last=True), "created_at", "id")
    )


def escalated_referrals(user: Actor) -> QuerySet[Referral]:
    """Open referrals escalated to the active agency, for its supervisors: no person's name,
    the coordinator never holds the case."""
    membership = active_membership(user)
    if membership is None or membership.role != Role.SUPERVISOR:
        return Referral.objects.none()
    return (
        Referral.objects.filter(escalated_to_id=membership.agency_id, status__in=INBOX_STATUSES)
        .select_related("purpose", "from_agency", "to_agency")
        .order_by("escalated_at", "id")
    )


def inbox_count(user: Actor) -> int:
    return _inbox(user).count()


def _count(referrals_or_notifications: QuerySet[Model, Any]) -> Subquery:
    # COUNT as a plain function, not an aggregate, so the subquery has no GROUP BY.
    counted = referrals_or_notifications.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def header_counts(user: Actor) -> dict[str, int]:
    """The inbox badge and the unread notifications of the bell, in one query or none: the
    header is on every page and must not weigh on their query budgets (QUALITY P1)."""
    membership = active_membership(user)
    if membership is None or not user.is_authenticated:
        return {"inbox": 0, "unread": 0}

    def count() -> dict[str, int]:  # the querysets are built only when the cache misses
        unread = notifications_of(user, membership.agency_id).filter(read_at__isnull=True)
        counts = (
            Agency.objects.filter(pk=membership.agency_id)
            .annotate(inbox=_count(_inbox(user)), unread=_count(unread))
            .values("inbox", "unread")
            .first()
        )
        return counts or {"inbox": 0, "unread": 0}

    # Cached per agency (the inbox) and per user (the bell), dropped when they change (decision 251).
    return header_counts_cache.cached_counts(user.pk, membership.agency_id, count)


def sent_referrals(user: Actor) -> QuerySet[Referral]:
    """Referrals the active agency sent that still have work left, soonest due first."""
    membership = active_membership(user)
    if membership is None:
        return Referral.objects.none()
    sent = Referral.objects.filter(_has_work(recent_handover_cutoff()), from_agency_id=membership.agency_id)
    return _joined_for_lists(with_person_name(sent, user), "case", *SENT_JOINS).order_by(
        F("due_at").asc(nulls_last=True), "created_at", "id"
    )


RECEIVED, SENT = "received", "sent"


def archived_referrals(user: Actor, side: str = RECEIVED) -> QuerySet[Referral]:
    """The active agency's finished referrals (handed over before the inbox window, completed,
    declined, cancelled), received or sent, for the archive tab; newest first is the pager's
    order (`casework.pagination.newest_first`). Names only where `identity` is held."""
    membership = active_membership(user)
    if membership is None:
        return Referral.objects.none()
    end = {"to_agency_id": membership.agency_id} if side == RECEIVED else {"from_agency_id": membership.agency_id}
    finished = Referral.objects.filter(_finished(recent_handover_cutoff()), **end)
    return _joined_for_lists(with_person_name(finished, user), "case", "purpose", "from_agency", "to_agency")
