"""Two records of one person: link them, remove the link, merge one case into the other, and
reverse a merge (issue 16; decisions 193–195).

Like every action (casework/actions.py) each runs in one transaction, locks both cases (in id
order, so two actions on the same pair queue instead of deadlocking), checks again what the
page showed — the link still active, neither case merged meanwhile — writes a line on both
timelines and an audit row on both cases, and raises CaseworkError when refused.

Nothing is moved or deleted. A merged case keeps every event, note, document, consent,
referral, stay and support row it had, read-only (`casework.access.can` refuses every action
on it), and points at the case that carries on (`Case.merged_into`); the statistics count only
the survivor. Reversing the merge clears the pointer and withdraws the grants the merge gave.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import audit
from casework.actions import CaseworkError, do_ensure_agency_groups, grant_case, record_event, revoke_case
from casework.lib.fixed_query import FixedQuery
from casework.models import (
    Agency,
    AuditEvent,
    Case,
    CaseEvent,
    CaseGrant,
    CaseMerge,
    PersonLink,
    SensitivityClass,
    User,
)

IDENTITY = SensitivityClass.IDENTITY
CORE = SensitivityClass.CORE


def _lock_pair(first: Case, second: Case) -> tuple[Case, Case]:
    """Both cases locked in id order; returned in the order given."""
    locked = {
        case.pk: case
        for case in Case.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=[first.pk, second.pk])
        .select_related("owning_agency")
        .order_by("pk")
    }
    return locked[first.pk], locked[second.pk]


def _label(case: Case) -> str:
    """A case as the other case's timeline names it: reference and lead agency."""
    return f"{case.reference} — {case.owning_agency.name}"


def _active_links(case_id: int) -> QuerySet[PersonLink]:
    return PersonLink.objects.filter(
        Q(case_a_id=case_id) | Q(case_b_id=case_id), unlinked_at__isnull=True
    ).select_related("case_a__owning_agency", "case_b__owning_agency", "agency")


# The case page asks for them whenever its timeline is full: compiled once per process
# (decision 337).
active_links_of = FixedQuery(_active_links, int)


def do_link_same_person(case: Case, other: Case, *, reason: str, actor: User, agency: Agency) -> PersonLink:
    """Record that `case` and `other` are the same person. Who may and which `other` are the
    view's to check (`may_link_same_person`, `casework.duplicates.same_person_candidates`)."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseworkError(_("Say why the two records are the same person."))
    if case.pk == other.pk:
        raise CaseworkError(_("A case cannot be linked with itself."))
    first, second = sorted((case, other), key=lambda each: each.pk)
    with transaction.atomic():
        locked, locked_other = _lock_pair(case, other)
        if locked.merged_into_id or locked_other.merged_into_id:
            raise CaseworkError(_("A case merged into another cannot be linked; use the case it was merged into."))
        try:
            with transaction.atomic():
                link = PersonLink.objects.create(
                    case_a=first,
                    case_b=second,
                    reason=reason,
                    linked_by=actor,
                    agency=agency,
                    linked_at=timezone.now(),
                )
        except IntegrityError:
            raise CaseworkError(_("These two cases are already linked as the same person.")) from None
        with translation.override(settings.LANGUAGE_CODE):
            for this, that in ((locked, locked_other), (locked_other, locked)):
                record_event(this, CaseEvent.Kind.SAME_PERSON, actor=actor, sensitivity=IDENTITY, reason=_label(that))
                audit.record(
                    AuditEvent.Action.CREATE,
                    actor=actor,
                    case=this,
                    obj=link,
                    classes=[IDENTITY],
                    detail={"same_person_as": that.reference},
                )
    return link


def do_unlink_same_person(link: PersonLink, *, reason: str, actor: User) -> PersonLink:
    """Remove a link made in error; a merge made through it is reversed first."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseworkError(_("Say why the two records are not the same person."))
    with transaction.atomic():
        case_a, case_b = _lock_pair(link.case_a, link.case_b)
        if CaseMerge.objects.filter(link=link, reversed_at__isnull=True).exists():
            raise CaseworkError(_("One of these cases was merged into the other; the merge must be reversed first."))
        updated = PersonLink.objects.filter(pk=link.pk, unlinked_at__isnull=True).update(
            unlinked_at=timezone.now(), unlinked_by=actor, unlink_reason=reason
        )
        if not updated:
            raise CaseworkError(_("This link was already removed."))
        link.refresh_from_db()
        with translation.override(settings.LANGUAGE_CODE):
            for this, that in ((case_a, case_b), (case_b, case_a)):
                record_event(
                    this,
                    CaseEvent.Kind.SAME_PERSON_UNLINKED,
                    actor=actor,
                    sensitivity=IDENTITY,
                    reason=f"{_label(that)}: {reason}",
                )
                audit.record(
                    AuditEvent.Action.UPDATE,
                    actor=actor,
                    case=this,
                    obj=link,
                    classes=[IDENTITY],
                    detail={"same_person_as": that.reference, "unlinked": True},
                )
    return link


def _merge_grants(merge: CaseMerge, case: Case, agency: Agency, *, actor: User) -> None:
    """`core`, read-only, on `case` for every role of `agency` (the other case's lead), each a
    grant with its own timeline line and audit row (decision 194)."""
    for agency_group in do_ensure_agency_groups(agency).values():
        grant_case(
            case,
            group=agency_group.group,
            classes=[CORE],
            source=CaseGrant.Source.MERGE,
            source_ref=merge.grant_ref,
            actor=actor,
        )


def do_merge_cases(survivor: Case, link: PersonLink, *, reason: str, actor: User, agency: Agency) -> CaseMerge:
    """Merge the other case of `link` into `survivor`. Only the survivor's lead may (the view
    checks `may_merge_cases`); `agency` must be that lead."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseworkError(_("Give a reason for the merge."))
    if survivor.pk not in (link.case_a_id, link.case_b_id):
        raise CaseworkError(_("This link does not concern this case."))
    absorbed = link.other(survivor)
    with transaction.atomic():
        locked, locked_absorbed = _lock_pair(survivor, absorbed)
        link = PersonLink.objects.select_for_update().get(pk=link.pk)
        if not link.is_active:
            raise CaseworkError(_("This link was removed meanwhile; the cases were not merged."))
        if locked.owning_agency_id != agency.pk:
            raise CaseworkError(_("Only the lead agency of the case that carries on merges the other into it."))
        if locked_absorbed.owning_agency_id != agency.pk:
            # Merging away another agency's record would take its work from it: that agency
            # agrees by transferring the lead of its case first (decision 194).
            raise CaseworkError(
                _(
                    "Case %(ref)s is led by another agency. Only records your agency leads are merged: "
                    "ask that agency to transfer the lead of its case to yours first."
                )
                % {"ref": locked_absorbed.reference}
            )
        if locked.merged_into_id or locked_absorbed.merged_into_id:
            raise CaseworkError(_("One of these cases is already merged into another."))
        if Case.objects.filter(merged_into=locked_absorbed).exists():
            raise CaseworkError(
                _("Other cases were merged into %(ref)s; reverse those merges before merging it away.")
                % {"ref": locked_absorbed.reference}
            )
        merge = CaseMerge.objects.create(
            survivor=locked,
            absorbed=locked_absorbed,
            link=link,
            reason=reason,
            merged_by=actor,
            agency=agency,
            merged_at=timezone.now(),
        )
        locked_absorbed.merged_into = locked
        # save(), not update(): the dashboards' cache hears a case was saved (dashboards.invalidation).
        locked_absorbed.save(update_fields=["merged_into", "updated_at"])
        _merge_grants(merge, locked_absorbed, locked.owning_agency, actor=actor)
        _merge_grants(merge, locked, locked_absorbed.owning_agency, actor=actor)
        _record_merge(
            merge,
            (locked, gettext_lazy("%(ref)s was merged into this case: %(reason)s"), "survivor"),
            (locked_absorbed, gettext_lazy("Merged into %(ref)s: %(reason)s"), "absorbed"),
            CaseEvent.Kind.MERGED,
            reason=reason,
            actor=actor,
        )
    return merge


def _record_merge(merge: CaseMerge, first, second, kind: str, *, reason: str, actor: User, **detail) -> None:
    """The timeline line (identity, owner only: decision 214) and the audit row of a merge or
    its reversal on both cases; `first` and `second` are (case, line naming the other, role),
    each line lazy so that it is written in the system language."""
    for (case, line, role), (other, _line, _role) in ((first, second), (second, first)):
        with translation.override(settings.LANGUAGE_CODE):
            text = str(line) % {"ref": _label(other), "reason": reason}
        record_event(case, kind, actor=actor, sensitivity=IDENTITY, reason=text)
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=case,
            obj=merge,
            classes=[CORE],
            detail={"merge": role, "other": other.reference, **detail},
        )


def do_reverse_merge(merge: CaseMerge, *, reason: str, actor: User) -> CaseMerge:
    """Undo a merge: the merged case carries on again as it was, the grants the merge gave are
    withdrawn; the link stays (the records are still the same person until someone unlinks)."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseworkError(_("Give a reason for reversing the merge."))
    with transaction.atomic():
        survivor, absorbed = _lock_pair(merge.survivor, merge.absorbed)
        updated = CaseMerge.objects.filter(pk=merge.pk, reversed_at__isnull=True).update(
            reversed_at=timezone.now(), reversed_by=actor, reversal_reason=reason
        )
        if not updated:
            raise CaseworkError(_("This merge was already reversed."))
        merge.refresh_from_db()
        absorbed.merged_into = None
        absorbed.save(update_fields=["merged_into", "updated_at"])
        grants = CaseGrant.objects.filter(
            case__in=[survivor, absorbed],
            source=CaseGrant.Source.MERGE,
            source_ref=merge.grant_ref,
            revoked_at__isnull=True,
        ).select_related("case", "group", "user")
        for grant in grants:
            revoke_case(grant, actor=actor)
        _record_merge(
            merge,
            (survivor, gettext_lazy("%(ref)s is a case of its own again: %(reason)s"), "survivor"),
            (absorbed, gettext_lazy("No longer merged into %(ref)s: %(reason)s"), "absorbed"),
            CaseEvent.Kind.MERGE_REVERSED,
            reason=reason,
            actor=actor,
            reversed=True,
        )
    return merge
