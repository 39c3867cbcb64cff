"""Every state-changing casework workflow. Views, tasks, commands and tests call these.

Each action runs in one transaction, locks what it changes, writes the timeline event and
the audit row in that same transaction, and raises CaseworkError with a message for the user
when the move is not allowed (nothing is changed then).
"""

import datetime
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework import audit, choices_cache

# Re-exported: every app imports its refusal tools from casework.actions.
from casework.documents import check_document as check_document
from casework.documents import check_upload_quota
from casework.models import (
    IDENTIFICATION_OUTCOMES,
    TRANSITIONS,
    Agency,
    AgencyGroup,
    AuditEvent,
    Case,
    CaseEvent,
    CaseGrant,
    CaseLead,
    CaseStatus,
    Consent,
    Document,
    IdentificationGround,
    IdentificationProposal,
    Incident,
    LegalRegime,
    Membership,
    Note,
    Offender,
    Person,
    PersonStatus,
    ReferenceCounter,
    Role,
    SensitivityClass,
    StatusDeadline,
    User,
)
from casework.object_permissions import sync_holder_permissions
from casework.refusals import CaseworkError as CaseworkError
from casework.refusals import audited_refusals as audited_refusals
from casework.service_accounts import is_service_account
from casework.signals import case_changed

ALL_CLASSES = frozenset(SensitivityClass.values)

# What the owning agency's groups receive on a new case (docs/architecture.md, Flow A).
ROLE_ACCESS: dict[str, tuple[frozenset[str], bool]] = {
    Role.CASEWORKER: (ALL_CLASSES, True),
    Role.SHELTER_STAFF: (
        frozenset(
            {SensitivityClass.CORE, SensitivityClass.IDENTITY, SensitivityClass.HEALTH, SensitivityClass.SHELTER}
        ),
        True,
    ),
    Role.SUPERVISOR: (ALL_CLASSES, False),
    Role.AGENCY_ADMIN: (frozenset({SensitivityClass.CORE}), False),
}

# Law 53 applies to people identified from this day; earlier identifications keep the
# 2011 regimes (Law 53 art. 63, docs/domain.md §1).
LAW_2024_FROM = datetime.date(2025, 7, 1)
ADULT_AGE = 18


def legal_regime_for(identified_on: datetime.date) -> str:
    return LegalRegime.LAW_2024 if identified_on >= LAW_2024_FROM else LegalRegime.LAW_2011


# Agencies and memberships ---------------------------------------------------------------


def do_ensure_agency_groups(agency: Agency) -> dict[str, AgencyGroup]:
    """Create the one Django group per (agency, role) pair; idempotent."""
    groups = {}
    for role in Role.values:
        agency_group = AgencyGroup.objects.filter(agency=agency, role=role).select_related("group").first()
        if agency_group is None:
            group, _created = Group.objects.get_or_create(name=f"agency:{agency.code}:{role}")
            agency_group = AgencyGroup.objects.create(agency=agency, role=role, group=group)
        groups[role] = agency_group
    return groups


@transaction.atomic
def do_add_membership(user: User, agency: Agency, role: str, *, actor: User | None) -> Membership:
    agency_group = do_ensure_agency_groups(agency)[role]
    membership, _created = Membership.objects.update_or_create(
        user=user, agency=agency, role=role, defaults={"agency_group": agency_group, "is_active": True}
    )
    user.groups.add(agency_group.group)
    audit.record(
        AuditEvent.Action.CREATE,
        actor=actor,
        obj=membership,
        agency=agency,
        detail={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def do_end_membership(membership: Membership, *, actor: User | None) -> None:
    """End a membership; the user's assignments on the agency's cases end with it."""
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    choices_cache.invalidate()  # the assignment form's caseworkers; an update() sends no post_save
    membership.user.groups.remove(membership.agency_group.group)
    still_caseworker = Membership.objects.filter(
        user=membership.user, agency=membership.agency, role=Role.CASEWORKER, is_active=True
    ).exists()
    if not still_caseworker:
        assignments = CaseGrant.objects.filter(
            user=membership.user,
            source=CaseGrant.Source.ASSIGNMENT,
            revoked_at__isnull=True,
            case__owning_agency=membership.agency,
        ).select_related("case")
        for grant in assignments:
            revoke_case(grant, actor=actor)
        Case.objects.filter(owning_agency=membership.agency, assigned_to=membership.user).update(assigned_to=None)
    audit.record(
        AuditEvent.Action.UPDATE,
        actor=actor,
        obj=membership,
        agency=membership.agency,
        detail={"user": membership.user.username, "ended": True},
    )


# Grants -----------------------------------------------------------------------------------


def _holder_name(grant: CaseGrant) -> str:
    """The grant's holder as its audit row names it: the group, or the user's username (the
    table's check constraint gives a grant exactly one of them)."""
    if grant.group is not None:
        return grant.group.name
    return grant.user.get_username() if grant.user is not None else ""


def _grant_description(grant: CaseGrant) -> str:
    """The timeline's words for a grant, in the system language: "Agency — role: classes"."""
    with translation.override(settings.LANGUAGE_CODE):
        if grant.group_id:
            agency_group = AgencyGroup.objects.select_related("agency").filter(group_id=grant.group_id).first()
            holder = (
                f"{agency_group.agency.name} — {agency_group.get_role_display()}"
                if agency_group
                else _holder_name(grant)
            )
        else:
            holder = str(grant.user)
        classes = ", ".join(str(SensitivityClass(value).label) for value in grant.classes)
        return f"{holder}: {classes}"


def grant_case(
    case: Case,
    *,
    classes: Iterable[str],
    actor: User | None,
    source: str,
    group: Group | None = None,
    user: User | None = None,
    can_change: bool = False,
    source_ref: str = "",
    purpose: str = "",
) -> CaseGrant:
    """Give a group or a user the classes on a case; takes effect at once. `can_change` marks a
    grant the holder works through; `purpose` names the referral purpose of a referral grant."""
    classes = sorted(set(classes))
    unknown = set(classes) - ALL_CLASSES
    if unknown:
        raise ValueError(f"unknown sensitivity classes: {unknown}")
    if group is not None and user is None:
        holder = group.name
    elif user is not None and group is None:
        holder = user.get_username()
    else:
        raise ValueError("a grant has one holder: a group or a user")
    with transaction.atomic():
        grant = CaseGrant.objects.create(
            case=case,
            group=group,
            user=user,
            classes=classes,
            can_change=can_change,
            source=source,
            source_ref=source_ref,
            purpose=purpose,
            granted_by=actor,
        )
        sync_holder_permissions(case, group_id=group.pk if group else None, user_id=user.pk if user else None)
        record_event(case, CaseEvent.Kind.GRANT, actor=actor, reason=_grant_description(grant))
        audit.record(
            AuditEvent.Action.GRANT,
            actor=actor,
            case=case,
            obj=grant,
            classes=classes,
            detail={"holder": holder, "source": source, "source_ref": source_ref, "change": can_change},
        )
    return grant


def revoke_case(grant: CaseGrant, *, actor: User | None) -> None:
    """Withdraw one grant; what other active grants give the same holder stays."""
    with transaction.atomic():
        updated = CaseGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        if not updated:
            return
        sync_holder_permissions(grant.case, group_id=grant.group_id, user_id=grant.user_id)
        holder = _holder_name(grant)
        record_event(grant.case, CaseEvent.Kind.REVOKE, actor=actor, reason=_grant_description(grant))
        audit.record(
            AuditEvent.Action.REVOKE,
            actor=actor,
            case=grant.case,
            obj=grant,
            classes=grant.classes,
            detail={"holder": holder, "source": grant.source, "source_ref": grant.source_ref},
        )


# Cases ------------------------------------------------------------------------------------


def record_event(
    case: Case,
    kind: str,
    *,
    actor: User | None,
    reason: str = "",
    old: str = "",
    new: str = "",
    sensitivity=SensitivityClass.CORE,
    happened_at: datetime.datetime | None = None,
) -> CaseEvent:
    """A timeline line. `happened_at` is the real time of something typed in later (a handover,
    an admission, a discharge); the line then keeps both times."""
    line = timeline_line(
        case, kind, actor=actor, reason=reason, old=old, new=new, sensitivity=sensitivity, happened_at=happened_at
    )
    line.save()
    return line


def timeline_line(case: Case, kind: str, **fields) -> CaseEvent:
    """The line `record_event` writes, unsaved (the fields of `timeline_values`)."""
    return CaseEvent(**timeline_values(case, kind, **fields))


def timeline_values(
    case: Case,
    kind: str,
    *,
    actor: User | None,
    reason: str = "",
    old: str = "",
    new: str = "",
    sensitivity=SensitivityClass.CORE,
    happened_at: datetime.datetime | None = None,
) -> dict:
    """The fields of a timeline line: what `timeline_line` makes a line of, and what bulk
    actions insert as rows without a model instance each (`casework/bulk.py`)."""
    meta = audit.current_request.get()
    agency_id = meta.agency_id if meta else None
    if agency_id is None and actor is not None:
        # Outside a request (a task, the API, a command): the agency the actor acts for.
        membership = getattr(actor, "active_membership", None)
        agency_id = membership.agency_id if membership else None
    now = timezone.now()
    return {
        "case": case,
        "kind": kind,
        "old_status": old,
        "new_status": new,
        "reason": reason,
        "actor": actor,
        "agency_id": agency_id,
        "sensitivity": sensitivity,
        "at": happened_at or now,
        "recorded_at": now,
    }


def allocate_reference(case_province, year: int) -> str:
    """Next `{province}-{year}-{seq}`; concurrent callers queue on the counter row's lock."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReferenceCounter.objects.get_or_create(province=case_province, year=year)
        except IntegrityError:
            pass  # created concurrently; the row exists now
        ReferenceCounter.objects.filter(province=case_province, year=year).update(last=F("last") + 1)
        last = ReferenceCounter.objects.get(province=case_province, year=year).last
    return f"{case_province.code}-{year}-{last:06d}"


# The provincial health (social-protection) agency: reception by it starts initial verification.
SOCIAL_AGENCY_KIND = "social_protection"
# Law 53 art. 27(3): initial verification "within 3 days at the latest" of that reception.
VERIFICATION_HOURS = 72
# The reason of the first lead period (translated where it is shown).
REGISTERED = "registered"


def start_verification_clock(case: Case, agency: Agency, at: datetime.datetime) -> None:
    """Set (not save) the verification clock from the social agency's reception at `at`; a
    verification already concluded, a person already identified, or a historic record keeps its record."""
    if case.historic:
        return
    if case.verification_concluded_at is not None or case.person_status != PersonStatus.IN_IDENTIFICATION:
        return
    case.verification_agency = agency
    case.verification_started_at = at
    case.verification_due_at = at + datetime.timedelta(hours=VERIFICATION_HOURS)
    case.verification_flagged_at = None


def due_after(status: str, since: datetime.datetime) -> datetime.datetime | None:
    hours = StatusDeadline.objects.filter(status=status).values_list("hours", flat=True).first()
    return since + datetime.timedelta(hours=hours) if hours else None


def age_facts(person: Person, received_at: datetime.datetime) -> tuple[int | None, bool]:
    """Age in whole years at reception, and whether the person was a child then. Fixed at
    registration, and again when a correction changes the birth date or the reception."""
    age = person.age_on(timezone.localdate(received_at))
    return (age if age is not None and age >= 0 else None), (age is not None and age < ADULT_AGE)


def do_create_case(
    *,
    person: Person,
    case: Case,
    actor: User,
    agency: Agency,
    exploitation_forms=(),
    means_of_control=(),
    recruitment_methods=(),
) -> Case:
    """Register a person (new or existing) and open a case owned by `agency`.

    The owning agency's groups get what their roles need; a caseworker who registers the
    case is assigned to it, a partner system's service account is not (decision 237).
    """
    with transaction.atomic():
        if person.pk is None:
            person.save()
        case.person = person
        case.owning_agency = agency
        now = timezone.now()
        case.status = CaseStatus.REPORTED
        case.status_changed_at = now
        case.age_at_reception, case.is_child = age_facts(person, case.received_at)
        if case.accompanies_id:
            case.person_status = PersonStatus.ACCOMPANYING_CHILD
        case.reference = allocate_reference(case.reception_province, timezone.localdate(case.received_at).year)
        # A historic record has no step to be late for (decision 120).
        case.due_at = None if case.historic else due_after(CaseStatus.REPORTED, case.received_at)
        if agency.kind.code == SOCIAL_AGENCY_KIND:
            # The social agency received the person itself: the 3 days run from now (art. 27(3)).
            start_verification_clock(case, agency, case.received_at)
        case.save()
        CaseLead.objects.create(
            case=case, agency=agency, started_at=case.received_at, reason=REGISTERED, started_by=actor
        )
        case.exploitation_forms.set(exploitation_forms)
        case.means_of_control.set(means_of_control)
        case.recruitment_methods.set(recruitment_methods)
        record_event(case, CaseEvent.Kind.CREATED, actor=actor, new=CaseStatus.REPORTED)
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            case=case,
            obj=case,
            agency=agency,
            classes=[SensitivityClass.CORE, SensitivityClass.IDENTITY],
        )
        for role, agency_group in do_ensure_agency_groups(agency).items():
            classes, can_change = ROLE_ACCESS[role]
            grant_case(
                case,
                group=agency_group.group,
                classes=classes,
                can_change=can_change,
                source=CaseGrant.Source.OWN_AGENCY,
                source_ref=agency.code,
                actor=actor,
            )
        is_caseworker = Membership.objects.filter(
            user=actor, agency=agency, role=Role.CASEWORKER, is_active=True
        ).exists()
        if is_caseworker and not is_service_account(actor):  # a machine assigns nobody (decision 237)
            _assign(case, actor, actor=actor)
        case_changed.send(sender=Case, case_id=case.pk, cause="created")
    return case


def do_flag_possible_duplicates(case: Case, others: list[Case], *, actor: User) -> None:
    """Tell the agencies that own matching cases that the person was registered again.

    The registering user is not told about cases they may not see (that would disclose
    another agency's victim, Law 53 art. 3(10)); the owning agencies are, on their timeline.
    """
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for other in others:
            line, row = possible_duplicate_notice(case, other, actor)
            record_event(other, CaseEvent.Kind.POSSIBLE_DUPLICATE, **line)
            audit.record(AuditEvent.Action.UPDATE, **row)


def possible_duplicate_notice(case: Case, other: Case, actor: User) -> tuple[dict, dict]:
    """The timeline line and the audit row that tell `other`'s agency `case` may be the same
    person: one wording for a registration and for an import (casework/bulk.py)."""
    line = {
        "actor": actor,
        "sensitivity": SensitivityClass.IDENTITY,
        "reason": f"{case.reference} — {case.owning_agency.name}",
    }
    row = {
        "actor": actor,
        "case": other,
        "classes": [SensitivityClass.IDENTITY],
        "detail": {"possible_duplicate_of": case.reference},
    }
    return line, row


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(no_key=True).get(pk=case.pk)


def _move(case: Case, new_status: str, *, reason: str, actor: User, kind=CaseEvent.Kind.TRANSITION) -> Case:
    locked = _locked(case)
    old = locked.status
    now = timezone.now()
    locked.status = new_status
    locked.status_changed_at = now
    locked.due_at = None if locked.historic else due_after(new_status, now)
    locked.overdue_flagged_at = None
    locked.save(update_fields=["status", "status_changed_at", "due_at", "overdue_flagged_at", "updated_at"])
    record_event(locked, kind, actor=actor, old=old, new=new_status, reason=reason)
    audit.record(
        AuditEvent.Action.TRANSITION,
        actor=actor,
        case=locked,
        obj=locked,
        classes=[SensitivityClass.CORE],
        detail={"from": old, "to": new_status},
    )
    case_changed.send(sender=Case, case_id=locked.pk, cause="status")
    return locked


def do_transition_case(case: Case, new_status: str, *, reason: str, actor: User) -> Case:
    """Move a case along the status machine; identification has its own action."""
    reason = (reason or "").strip()
    with transaction.atomic():
        current = _locked(case).status
        if new_status not in TRANSITIONS.get(current, set()):
            raise CaseworkError(
                _("A case cannot move from “%(old)s” to “%(new)s”.")
                % {
                    "old": CaseStatus(current).label,
                    "new": CaseStatus(new_status).label if new_status in CaseStatus.values else new_status,
                }
            )
        if new_status in IDENTIFICATION_OUTCOMES:
            raise CaseworkError(_("Record the identification decision with its date and authority."))
        if not reason:
            raise CaseworkError(_("Give a reason for this status change."))
        locked = _move(case, new_status, reason=reason, actor=actor)
        if new_status == CaseStatus.CLOSED:
            Case.objects.filter(pk=locked.pk).update(closure_reason=reason)
            locked.closure_reason = reason
    return locked


# Initial verification may already establish the person (documents of art. 33(1)), so the
# competent body may decide from verification as well as from the identification step.
IDENTIFIABLE = {CaseStatus.VERIFYING, CaseStatus.IDENTIFYING}


def do_record_identification(
    case: Case,
    *,
    is_victim: bool,
    identified_on: datetime.date,
    authority: str,
    document: str,
    reason: str,
    actor: User,
    agency: Agency | None = None,
    grounds: Iterable[str] = (),
    officer: User | None = None,
    officer_name: str = "",
) -> Case:
    """Record the identification decision of a competent body (Law 53 art. 32); it fixes the
    legal regime. `agency` is the deciding agency; its kind must be one the law names
    (`AgencyKind.may_identify`, docs/domain.md §3) — anyone else proposes instead. The officer
    who signed is a user of that agency (`officer`) or a name as typed (`officer_name`)."""
    reason = (reason or "").strip()
    grounds = sorted(set(grounds))
    with transaction.atomic():
        locked = _locked(case)
        if agency is not None and not agency.kind.may_identify:
            raise CaseworkError(
                _("A %(kind)s agency cannot decide that a person is a victim; propose the decision instead.")
                % {"kind": agency.kind.label}
            )
        if locked.status not in IDENTIFIABLE:
            raise CaseworkError(
                _("An identification decision can only be recorded during verification or identification.")
            )
        if identified_on > timezone.localdate():
            raise CaseworkError(_("The identification date cannot be in the future."), field="identified_on")
        if identified_on < timezone.localdate(locked.received_at):
            raise CaseworkError(
                _("The identification date cannot be before the person was received."), field="identified_on"
            )
        if not authority.strip() or not reason:
            raise CaseworkError(_("Name the deciding authority and give the grounds."))
        if set(grounds) - set(IdentificationGround.values):
            raise CaseworkError(_("Unknown ground of identification."))
        if officer is not None and not Membership.objects.filter(user=officer, agency=agency, is_active=True).exists():
            raise CaseworkError(_("The officer who signed must be a member of the deciding agency."), field="officer")
        if locked.status == CaseStatus.VERIFYING:
            locked = _move(locked, CaseStatus.IDENTIFYING, reason=reason, actor=actor)
        new_status = CaseStatus.IDENTIFIED if is_victim else CaseStatus.NOT_IDENTIFIED
        locked = _move(locked, new_status, reason=reason, actor=actor, kind=CaseEvent.Kind.IDENTIFICATION)
        locked.identified_on = identified_on if is_victim else None
        locked.identification_authority = authority.strip()
        locked.identification_document = document.strip()
        locked.identification_agency = agency
        locked.identification_grounds = grounds
        locked.identification_officer = officer
        locked.identification_officer_name = "" if officer is not None else " ".join(officer_name.split())
        locked.legal_regime = legal_regime_for(identified_on) if is_victim else ""
        if locked.person_status != PersonStatus.ACCOMPANYING_CHILD:
            locked.person_status = PersonStatus.VICTIM if is_victim else PersonStatus.NOT_VICTIM
        update = [
            "identified_on",
            "identification_authority",
            "identification_document",
            "identification_agency",
            "identification_grounds",
            "identification_officer",
            "identification_officer_name",
            "legal_regime",
            "person_status",
        ]
        if locked.verification_started_at and locked.verification_concluded_at is None:
            # The decision ends verification: its clock no longer runs.
            locked.verification_concluded_at = timezone.now()
            update.append("verification_concluded_at")
        locked.save(update_fields=update)
        # Under-18s with an identified victim share the victim's regime (Law 53 art. 63).
        if is_victim:
            Case.objects.filter(accompanies=locked).update(legal_regime=locked.legal_regime)
        _resolve_proposals(locked, is_victim)
    return locked


def _resolve_proposals(case: Case, is_victim: bool) -> None:
    """Open proposals end with the decision: confirmed where it agrees with them."""
    now = timezone.now()
    open_proposals = IdentificationProposal.objects.filter(case=case, status=IdentificationProposal.Status.OPEN)
    open_proposals.filter(is_victim=is_victim).update(status=IdentificationProposal.Status.CONFIRMED, resolved_at=now)
    open_proposals.update(status=IdentificationProposal.Status.NOT_FOLLOWED, resolved_at=now)


def do_reopen_case(case: Case, *, reason: str, actor: User) -> Case:
    """Reopen a closed case into the status it had before it was closed."""
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked(case)
        if locked.status != CaseStatus.CLOSED:
            raise CaseworkError(_("Only a closed case can be reopened."))
        if not reason:
            raise CaseworkError(_("Give a reason for reopening the case."))
        closing = locked.events.filter(new_status=CaseStatus.CLOSED).order_by("-at", "-id").first()
        previous = closing.old_status if closing and closing.old_status else CaseStatus.REPORTED
        locked = _move(locked, previous, reason=reason, actor=actor, kind=CaseEvent.Kind.REOPENED)
        Case.objects.filter(pk=locked.pk).update(closure_reason="")
    return locked


def _lead_caseworker_classes(case: Case) -> set[str]:
    """What the lead's caseworkers hold: an assignment gives no more (a lead that took the case
    over by a referral holds what the referral shared, not everything)."""
    held: set[str] = set()
    own = case.grants.filter(
        source=CaseGrant.Source.OWN_AGENCY,
        revoked_at__isnull=True,
        group__agency_group__agency_id=case.owning_agency_id,
        group__agency_group__role=Role.CASEWORKER,
    )
    for classes in own.values_list("classes", flat=True):
        held |= set(classes)
    return held or set(ALL_CLASSES)


def _assign(case: Case, user: User, *, actor: User) -> None:
    for old in case.grants.filter(source=CaseGrant.Source.ASSIGNMENT, revoked_at__isnull=True):
        revoke_case(old, actor=actor)
    Case.objects.filter(pk=case.pk).update(assigned_to=user)
    case.assigned_to = user
    grant_case(
        case,
        user=user,
        classes=_lead_caseworker_classes(case),
        can_change=True,
        source=CaseGrant.Source.ASSIGNMENT,
        source_ref=user.get_username(),
        actor=actor,
    )
    record_event(case, CaseEvent.Kind.ASSIGNED, actor=actor, reason=str(user))


def do_assign_case(case: Case, user: User, *, actor: User) -> Case:
    """Assign a caseworker of the owning agency; the assignment carries its own grant."""
    with transaction.atomic():
        locked = _locked(case)
        if not Membership.objects.filter(
            user=user, user__is_active=True, agency_id=locked.owning_agency_id, role=Role.CASEWORKER, is_active=True
        ).exists():
            raise CaseworkError(_("Only a caseworker of the owning agency can be assigned."))
        if locked.assigned_to_id == user.pk:
            raise CaseworkError(_("This caseworker is already assigned."))
        _assign(locked, user, actor=actor)
    return locked


def do_add_note(case: Case, *, body: str, sensitivity: str, actor: User, agency: Agency) -> Note:
    body = (body or "").strip()
    if not body:
        raise CaseworkError(_("The note is empty."))
    with transaction.atomic():
        note = Note.objects.create(case=case, body=body, sensitivity=sensitivity, author=actor, agency=agency)
        record_event(case, CaseEvent.Kind.NOTE, actor=actor, sensitivity=sensitivity)
        audit.record(AuditEvent.Action.CREATE, actor=actor, case=case, obj=note, classes=[sensitivity])
    return note


def do_upload_document(
    case: Case, *, upload, kind: str, sensitivity: str, title: str, actor: User, agency: Agency, max_bytes: int
) -> Document:
    content_type = check_document(upload, max_bytes)
    check_upload_quota(case, actor, upload.size)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        document = Document(
            case=case,
            kind=kind,
            sensitivity=sensitivity,
            title=title.strip() or str(Document.Kind(kind).label),
            original_name=(upload.name or "")[:255],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            agency=agency,
        )
        document.file.save("upload", upload, save=False)
        document.save()
        record_event(
            case, CaseEvent.Kind.DOCUMENT, actor=actor, sensitivity=sensitivity, reason=document.get_kind_display()
        )
        audit.record(AuditEvent.Action.CREATE, actor=actor, case=case, obj=document, classes=[sensitivity])
    return document


def do_record_consent(case: Case, consent: Consent, *, actor: User) -> Consent:
    if not consent.classes:
        raise CaseworkError(_("Choose at least one kind of data the consent covers."), field="classes")
    if consent.given_on > timezone.localdate():
        raise CaseworkError(_("Consent cannot be dated in the future."), field="given_on")
    if consent.given_by == Consent.GivenBy.REPRESENTATIVE and not consent.representative_name.strip():
        raise CaseworkError(_("Name the legal representative who consented."), field="representative_name")
    with transaction.atomic():
        consent.case = case
        consent.recorded_by = actor
        consent.save()
        record_event(case, CaseEvent.Kind.CONSENT, actor=actor, reason=consent.purpose)
        audit.record(AuditEvent.Action.CREATE, actor=actor, case=case, obj=consent, classes=consent.classes)
        case_changed.send(sender=Case, case_id=case.pk, cause="consent")
    return consent


def do_withdraw_consent(consent: Consent, *, reason: str, actor: User) -> Consent:
    reason = (reason or "").strip()
    if not reason:
        raise CaseworkError(_("Give the reason the consent was withdrawn."))
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(), withdrawn_by=actor, withdrawal_reason=reason
        )
        if not updated:
            raise CaseworkError(_("This consent was already withdrawn."))
        consent.refresh_from_db()
        record_event(consent.case, CaseEvent.Kind.CONSENT_WITHDRAWN, actor=actor, reason=reason)
        audit.record(AuditEvent.Action.UPDATE, actor=actor, case=consent.case, obj=consent, classes=consent.classes)
    return consent


def do_link_incident(case: Case, incident: Incident | None, *, actor: User, agency: Agency, **fields) -> Incident:
    """Attach the case to an existing incident, or to a new one made from `fields`."""
    with transaction.atomic():
        if incident is None:
            incident = Incident.objects.create(agency=agency, **fields)
        case.incident = incident
        case.save(update_fields=["incident"])
        record_event(case, CaseEvent.Kind.INCIDENT, actor=actor, sensitivity=SensitivityClass.INVESTIGATION)
        audit.record(
            AuditEvent.Action.UPDATE, actor=actor, case=case, obj=incident, classes=[SensitivityClass.INVESTIGATION]
        )
    return incident


def do_add_offender(case: Case, offender: Offender, *, actor: User) -> Offender:
    if case.incident_id is None:
        raise CaseworkError(_("Link the case to an incident before recording offenders."))
    with transaction.atomic():
        offender.incident_id = case.incident_id
        offender.save()
        record_event(case, CaseEvent.Kind.OFFENDER, actor=actor, sensitivity=SensitivityClass.INVESTIGATION)
        audit.record(
            AuditEvent.Action.CREATE, actor=actor, case=case, obj=offender, classes=[SensitivityClass.INVESTIGATION]
        )
    return offender


def do_set_offender_stage(case: Case, offender: Offender, stage: str, *, actor: User) -> Offender:
    """Move an offender of the case's incident to a further (or corrected) stage of the
    proceedings (decision 94); the statistics count the new stage."""
    if case.incident_id is None or offender.incident_id != case.incident_id:
        raise CaseworkError(_("This offender is not recorded on the case's incident."))
    if stage not in Offender.Stage.values and stage != "":
        raise CaseworkError(_("Choose a stage of the proceedings."))
    old = offender.stage
    if old == stage:
        return offender
    with transaction.atomic():
        offender.stage = stage
        offender.save(update_fields=["stage"])
        label = str(Offender.Stage(stage).label) if stage else ""
        record_event(
            case, CaseEvent.Kind.OFFENDER, actor=actor, reason=label, sensitivity=SensitivityClass.INVESTIGATION
        )
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=case,
            obj=offender,
            classes=[SensitivityClass.INVESTIGATION],
            detail={"stage": [old, stage]},
        )
    return offender


def do_flag_overdue_cases(now: datetime.datetime | None = None) -> int:
    """Flag every case past its due time once; a second run finds nothing left to flag."""
    now = now or timezone.now()
    flagged = 0
    candidates = Case.objects.filter(
        due_at__lte=now, overdue_flagged_at__isnull=True, historic=False, merged_into__isnull=True
    )
    for case_id in candidates.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            # Compare-and-set: a concurrent run that got here first leaves 0 rows to update.
            claimed = Case.objects.filter(
                pk=case_id, overdue_flagged_at__isnull=True, due_at__lte=now, historic=False
            ).update(overdue_flagged_at=now)
            if claimed:
                case = Case.objects.get(pk=case_id)
                record_event(case, CaseEvent.Kind.OVERDUE, actor=None, reason=case.get_status_display())
                audit.record(AuditEvent.Action.UPDATE, case=case, obj=case, detail={"overdue": case.status})
                flagged += 1
    return flagged
