"""The only way shelter views fetch protected objects.

Shelter staff work for the facility's own agency (decisions 27): they see the stays of their
facility only, and only on cases where their grants give them `shelter` class. Anyone else,
and a stay of another facility, gets the same 404 as a missing one, with a denied audit row.
Referring agencies see the occupancy board as counts only (`board`).
"""

import datetime
from typing import TypedDict

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit
from casework.access import (
    Actor,
    Capability,
    PublicId,
    Standing,
    access_case,
    active_membership,
    deny,
    visible_cases,
    with_person_name,
)
from casework.models import AuditEvent, CaseGrant, Role, SensitivityClass
from shelters.models import Bed, Facility, FollowUpVisit, Placement, Stay

SHELTER = SensitivityClass.SHELTER
# Who does a facility's work: its shelter staff and caseworkers. Its supervisors read
# (docs/architecture.md, Flow A: a supervisor is read-only unless assigned).
ACTING_ROLES = {Role.SHELTER_STAFF, Role.CASEWORKER}


def may_act(user: Actor) -> bool:
    membership = active_membership(user)
    return membership is not None and membership.role in ACTING_ROLES


def own_facility(user: Actor) -> Facility | None:
    """The facility run by the agency the user acts for, if any."""
    membership = active_membership(user)
    if membership is None:
        return None
    return Facility.objects.filter(agency_id=membership.agency_id, is_active=True).select_related("province").first()


def access_facility(user: Actor, code: str, *, act: bool = False) -> Facility:
    """The user's own facility by its code; any other is a 404. With `act`, only for the roles
    that do the facility's work."""
    facility = own_facility(user)
    if facility is None or facility.code != code or (act and not may_act(user)):
        deny(user, {"facility": code, "act": act})
    return facility


def may_see_since(user: Actor, facility: Facility) -> bool:
    """The facility's "since" figures are for its own agency's supervisor (decision 122)."""
    membership = active_membership(user)
    return membership is not None and membership.agency_id == facility.agency_id and membership.role == Role.SUPERVISOR


class SinceFigures(TypedDict):
    since: datetime.date
    people: int
    children: int


def since_figures(facility: Facility) -> SinceFigures | None:
    """People the facility has sheltered since its first recorded stay, and how many of them
    were children when received; true figures, never suppressed (decision 122). None before
    any stay."""
    stays = Stay.objects.filter(facility=facility)
    first = stays.order_by("admitted_at").values_list("admitted_at", flat=True).first()
    if first is None:
        return None
    people = stays.values("case__person").distinct().count()
    children = stays.filter(case__is_child=True).values("case__person").distinct().count()
    return {"since": timezone.localdate(first), "people": people, "children": children}


def _visible(user: Actor, prefix: str = "case") -> Q:
    """Rows whose case the user holds `shelter` class on (one EXISTS, no id lists)."""
    return Q(Exists(visible_cases(user, SHELTER).filter(pk=OuterRef(f"{prefix}_id"))))


def access_stay(user: Actor, public_id: PublicId, *, need: str = SHELTER, act: bool = False) -> tuple[Stay, Standing]:
    """A stay at the user's facility, and the user's standing on its case; else 404."""
    stay = (
        Stay.objects.select_related("facility", "bed", "case", "placement", "admitted_by", "discharged_by")
        .filter(public_id=public_id)
        .first()
    )
    facility = own_facility(user)
    if stay is None or facility is None or stay.facility_id != facility.pk:
        deny(user, {"stay": str(public_id)}, case=stay.case if stay else None)
    case, held = access_case(user, stay.case.public_id, need=SHELTER)
    if need not in held or (act and not may_act(user)):
        deny(user, {"stay": str(public_id), "need": need, "act": act}, case=case)
    if act and not (held.sources - {CaseGrant.Source.FORMER}):
        # A facility whose placement is completed keeps reading what it recorded (decision 60)
        # and changes nothing.
        audit.record(
            AuditEvent.Action.REFUSED, actor=user, case=case, detail={"stay": str(public_id), "reason": "former"}
        )
        raise PermissionDenied(_("Your agency's work on this person has ended; its records stay readable."))
    stay.case = case
    return stay, held


# What the facility's workers record on a resident's case from her stay page (decision 206).
RECORDING = (Capability.ADD_NOTE, Capability.ADD_DOCUMENT)


def may_record_on_stay(stay: Stay, held: Standing) -> bool:
    """The facility's shelter staff (and caseworkers) add notes and documents to a resident's
    case while her stay is current, through the grant their agency works on the case with
    (the accepted placement, or the case it registered itself): `casework.access.can` decides
    the role and the grant, the stay decides the time. After discharge the stay page is a
    record; the agencies still working on the case write on the case page."""
    return stay.is_current and bool(held.sources - {CaseGrant.Source.FORMER}) and held.can(Capability.ADD_NOTE)


def access_stay_to_record(user: Actor, public_id: PublicId, capability: str) -> tuple[Stay, Standing]:
    """A current stay at the user's facility on which the user may record `capability` (a note
    or a document); another facility's stay is a 404, an ended stay a 403 with a `refused` row."""
    stay, held = access_stay(user, public_id, act=True)
    if not (may_record_on_stay(stay, held) and held.can(capability)):
        audit.record(
            AuditEvent.Action.REFUSED,
            actor=user,
            case=stay.case,
            detail={
                "stay": str(public_id),
                "capability": str(capability),
                "reason": "stay_ended" if not stay.is_current else "authority",
            },
        )
        if not stay.is_current:
            raise PermissionDenied(_("Her stay has ended: notes and documents are no longer added from the stay page."))
        raise PermissionDenied(str(Capability(capability).label))
    return stay, held


def access_followup(user: Actor, pk: int) -> FollowUpVisit:
    """A follow-up visit the user's agency is responsible for, on a case it may see, for the
    roles that do the work. A facility records it with `shelter` class; a home commune the
    plan was handed to sees the case without it, and the visit itself is `core`."""
    membership = active_membership(user)
    visit = FollowUpVisit.objects.select_related("stay", "case").filter(pk=pk).first()
    if visit is None or membership is None or visit.agency_id != membership.agency_id or not may_act(user):
        deny(user, {"followup": pk}, case=visit.case if visit else None)
    access_case(user, visit.case.public_id)
    return visit


def residents(user: Actor, facility: Facility) -> QuerySet[Stay]:
    """Current stays at the facility that the user may see, each with `person_name` where the
    user holds `identity` on the case (`casework.access.with_person_name`)."""
    return (
        with_person_name(Stay.objects.filter(facility=facility, discharged_at__isnull=True), user)
        .filter(_visible(user))
        .select_related("case", "bed", "intake")
        .order_by("bed__room", "bed__label")
    )


def awaiting_admission(user: Actor, facility: Facility) -> QuerySet[Placement]:
    """Accepted placements to the facility not yet admitted."""
    return (
        with_person_name(Placement.objects.filter(facility=facility, stay__isnull=True), user)
        .filter(_visible(user))
        .select_related("case", "bed")
        .order_by("accepted_at")
    )


def followups_due(user: Actor, facility: Facility) -> QuerySet[FollowUpVisit]:
    """Follow-up visits still to make by the facility's agency, soonest first."""
    return (
        with_person_name(FollowUpVisit.objects.filter(agency_id=facility.agency_id, outcome=""), user)
        .filter(_visible(user))
        .select_related("case", "stay")
        .order_by("due_on", "id")
    )


def board(now: datetime.datetime | None = None) -> QuerySet[Facility]:
    """Every active facility with its bed counts, in one query: what referring agencies see."""
    now = now or timezone.now()
    active = Q(beds__is_active=True)
    occupied = active & Q(beds__occupied_by__isnull=False)
    held = active & Q(beds__occupied_by__isnull=True, beds__held_until__gt=now)
    return (
        Facility.objects.filter(is_active=True)
        .select_related("province")
        .annotate(
            beds_total=Count("beds", filter=active),
            beds_occupied=Count("beds", filter=occupied),
            beds_held=Count("beds", filter=held),
            beds_free=Count("beds", filter=Bed.free_q(now, prefix="beds__")),
        )
        .order_by("province__name", "name")
    )


def beds(facility: Facility, now: datetime.datetime | None = None) -> QuerySet[Bed]:
    """The facility's beds for its own staff's board, each with its `state`. Names are not shown
    here: the grid says free, held or occupied, and links to the stay."""
    now = now or timezone.now()
    current = Stay.objects.filter(bed=OuterRef("pk"), discharged_at__isnull=True)
    return (
        facility.beds.filter(is_active=True)
        .annotate(
            stay_public_id=current.values("public_id")[:1],
            state=Case(
                When(occupied_by__isnull=False, then=Value("occupied")),
                When(held_until__gt=now, then=Value("held")),
                default=Value("free"),
            ),
        )
        .order_by("room", "label")
    )
