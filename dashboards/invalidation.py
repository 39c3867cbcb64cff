"""Which saves move which cached figures: receivers that bump the scopes of the cases a
change touches, after the transaction commits (`dashboards.cache`).

The cached figures are counts over cases, their people, incidents, offenders, forms of
exploitation, handover minutes, claims and payments; a save or delete of any of these bumps
the country, the province of reception and the owning agency of each case concerned.
Notes, documents, grants and other timeline entries move no figure and bump nothing.

The same receivers mark the cases whose rollups may move (`dashboards.rollups`), in the
transaction of the change, and fold the marks into the rollups after it commits.
"""

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_delete

from casework.models import Case, Incident, Offender, Person
from casework.signals import case_changed, cases_changed
from dashboards import cache, rollups
from referrals.models import HandoverMinutes, Referral
from support.models import Claim, Payment

# The rows of a case that carry its province of reception (`CaseProvinceCopy`, decision 325).
PROVINCE_COPIES = (Claim, Payment, Referral)


def _bump_cases(condition: Q, *, rolled_up: bool = True) -> None:
    """Bump the scopes of the cases `condition` selects after commit; `rolled_up`: the change
    can move their rollups too (not so for offenders, claims and payments)."""
    if rolled_up:
        rollups.mark_cases(Case.objects.filter(condition).values_list("pk", flat=True))
        rollups.flush_after_commit()

    def after_commit():
        rows = Case.objects.filter(condition).values_list("reception_province_id", "owning_agency_id").distinct()
        topics = set()
        for province_id, agency_id in rows:
            topics |= cache.case_topics(province_id, agency_id)
        cache.bump(topics)

    transaction.on_commit(after_commit)


# The columns that place a case in a scope. They can change after registration (the HTCDS
# re-import writes a row's province of reception onto an existing case), so a save bumps the
# scopes the case was loaded in as well as those it is saved in.
SCOPE_COLUMNS = ("reception_province_id", "owning_agency_id")


# The columns that place a case in its rollup rows (`rollups.pairs_of`).
ROLLUP_COLUMNS = ("reception_province_id", "received_at", "identified_on")


def _case_loaded(sender, instance: Case, **kwargs) -> None:
    # From __dict__: a deferred column must not cost a query per row loaded. The rows the
    # loaded values count in are worked out only if the case is saved: a page loads many
    # cases and saves few (a list page spent ~5 % of its time on their months).
    values = instance.__dict__
    instance._dashboard_scope = tuple(values.get(name) for name in SCOPE_COLUMNS)
    instance._rollup_loaded = tuple(values.get(name) for name in ROLLUP_COLUMNS)


# Columns no figure reads: deadlines, verification clocks, assignment, the return date. A
# save of these alone (the verification and deadline steps save nothing else) moves no
# figure, so it neither bumps the country's figures nor marks rollups (decision 248).
NO_FIGURE_COLUMNS = frozenset(
    {
        "updated_at",
        "assigned_to",
        "due_at",
        "overdue_flagged_at",
        "verification_agency",
        "verification_started_at",
        "verification_due_at",
        "verification_concluded_at",
        "verification_outcome",
        "verification_flagged_at",
        "abroad",
        "returned_on",
    }
)


def _case_saved(sender, instance: Case, update_fields=None, created: bool = False, **kwargs) -> None:
    if update_fields and set(update_fields) <= NO_FIGURE_COLUMNS:
        return
    topics = cache.case_topics(instance.reception_province_id, instance.owning_agency_id)
    loaded = getattr(instance, "_dashboard_scope", None)
    if loaded:
        topics |= cache.case_topics(*loaded)
    loaded_province = loaded[0] if loaded else None
    writes_province = update_fields is None or "reception_province" in update_fields
    if writes_province and not created and loaded_province != instance.reception_province_id:
        copy_provinces(instance.pk)
    cache.invalidate_after_commit(topics)
    current = rollups.pairs_of(instance.reception_province_id, instance.received_at, instance.identified_on)
    loaded_rollup = getattr(instance, "_rollup_loaded", None)
    was = rollups.pairs_of(*loaded_rollup) if loaded_rollup is not None else set()
    rollups.mark(case_ids=[instance.pk], pairs=was | current)
    rollups.flush_after_commit()
    _case_loaded(sender, instance)  # a later save of the same instance moves from here


def copy_provinces(case_id: int | None = None) -> int:
    """Give the claims, payments and referrals of a case (None: of every case) the province of
    reception now stored on it, where their copy differs; the rows changed. After a save that
    moved the case, in its transaction (their dashboards count them by it); for every case
    after a load or a restore that bypassed the actions (`recompute_rollups`)."""
    province = Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("reception_province_id")[:1])
    rows = Q(case_id=case_id) if case_id is not None else Q()
    with transaction.atomic(savepoint=False):
        return sum(
            model.objects.filter(rows).exclude(case_province_id=province).update(case_province_id=province)
            for model in PROVINCE_COPIES
        )


def _case_changed(sender, case_id: int, cause: str = "", **kwargs) -> None:
    """A lead transfer writes the owning agency by an UPDATE, without a save, and so may the
    facts another system states (`corrections.do_keep_stated_decision`)."""
    if cause not in ("lead", "facts"):
        return  # the action saved the case: `_case_saved` marked it
    rollups.mark_cases([case_id])
    rollups.flush_after_commit()
    _bump_cases(Q(pk=case_id), rolled_up=False)


def _person_saved(sender, instance: Person, **kwargs) -> None:
    if instance.pk:
        _bump_cases(Q(person_id=instance.pk))


def _incident_saved(sender, instance: Incident, **kwargs) -> None:
    if instance.pk:
        _bump_cases(Q(incident_id=instance.pk), rolled_up=False)  # nothing of the incident is rolled up


def _incident_deleting(sender, instance: Incident, **kwargs) -> None:
    """Before the cases lose their incident (SET NULL, an UPDATE without saves)."""
    _bump_cases(Q(incident_id=instance.pk))


def _offender_saved(sender, instance: Offender, **kwargs) -> None:
    _bump_cases(Q(incident_id=instance.incident_id), rolled_up=False)


def _cases_changed(sender, *, case_ids: list[int], **kwargs) -> None:
    """Many cases written at once (`casework.bulk`: no save signal per row)."""
    if case_ids:
        _bump_cases(Q(pk__in=list(case_ids)))


def _case_row_saved(sender, instance, **kwargs) -> None:
    """A claim or a payment: a row of one case."""
    _bump_cases(Q(pk=instance.case_id), rolled_up=False)


def _minutes_saved(sender, instance: HandoverMinutes, **kwargs) -> None:
    _bump_cases(Q(referrals__pk=instance.referral_id))


def _exploitation_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if reverse:  # a picklist value lost or gained cases
        _bump_cases(Q(pk__in=pk_set or ()) if pk_set else Q(exploitation_forms=instance))
    else:
        _case_saved(sender, instance)


def connect() -> None:
    receivers = {
        Case: _case_saved,
        Person: _person_saved,
        Incident: _incident_saved,
        Offender: _offender_saved,
        Claim: _case_row_saved,
        Payment: _case_row_saved,
        HandoverMinutes: _minutes_saved,
    }
    for name, signal in (("save", post_save), ("delete", post_delete)):
        for model, receiver in receivers.items():
            signal.connect(receiver, sender=model, dispatch_uid=f"dashboards.{model.__name__}.{name}")
    post_init.connect(_case_loaded, sender=Case, dispatch_uid="dashboards.Case.init")
    cases_changed.connect(_cases_changed, dispatch_uid="dashboards.cases_changed")
    pre_delete.connect(_incident_deleting, sender=Incident, dispatch_uid="dashboards.Incident.deleting")
    case_changed.connect(_case_changed, dispatch_uid="dashboards.case_changed")
    m2m_changed.connect(
        _exploitation_changed, sender=Case.exploitation_forms.through, dispatch_uid="dashboards.exploitation"
    )
