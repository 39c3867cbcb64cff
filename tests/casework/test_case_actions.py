import datetime

import pytest
import time_machine
from django.utils import timezone

from casework import actions
from casework.access import case_classes, visible_cases
from casework.actions import CaseworkError
from casework.models import (
    TRANSITIONS,
    AuditEvent,
    Case,
    CaseEvent,
    CaseGrant,
    CaseStatus,
    LegalRegime,
    Person,
    PersonStatus,
    Province,
    ReferenceCounter,
    Role,
    SensitivityClass,
    StatusDeadline,
)
from tests.fixtures.personas import acting, make_case, make_user


def move_to(case, status, actor):
    path = [CaseStatus.VERIFYING, CaseStatus.IDENTIFYING]
    for step in path:
        if case.status == status:
            return case
        case = actions.do_transition_case(case, step, reason="next step", actor=actor)
    return case


# Creation --------------------------------------------------------------------------------


def test_new_case_gets_reference_event_audit_and_own_agency_grants(world):
    case = world.case
    assert case.reference.startswith(f"LCA-{timezone.localdate(case.received_at).year}-")
    assert case.status == CaseStatus.REPORTED
    assert case.person_status == PersonStatus.IN_IDENTIFICATION
    assert case.events.filter(kind=CaseEvent.Kind.CREATED).count() == 1
    assert AuditEvent.objects.filter(case=case, action=AuditEvent.Action.CREATE).count() == 1
    sources = set(case.grants.filter(revoked_at__isnull=True).values_list("source", flat=True))
    assert sources == {CaseGrant.Source.OWN_AGENCY, CaseGrant.Source.ASSIGNMENT, CaseGrant.Source.REFERRAL}
    assert case.assigned_to == world.owner


def test_references_are_sequential_per_province_and_year(world):
    second = make_case(world.police, acting(world.owner), name="Lò Thị Sua")
    first_seq = int(world.case.reference.rsplit("-", 1)[1])
    assert int(second.reference.rsplit("-", 1)[1]) == first_seq + 1
    hanoi = make_case(world.police, acting(world.owner), reception_province=Province.objects.get(code="HN"))
    assert hanoi.reference.startswith("HN-") and hanoi.reference.endswith("-000001")


def test_a_police_reception_starts_no_three_day_clock(world):
    # Law 53 art. 27(3): the 3 days run from the provincial social agency's reception
    # (tests/casework/test_verification_clock.py), not from the first reception anywhere.
    assert world.case.due_at is None
    assert world.case.verification_due_at is None


def test_a_child_is_flagged_from_the_age_at_reception(world):
    child = make_case(world.police, acting(world.owner), name="Sùng A Tủa", birth_year=timezone.localdate().year - 15)
    assert child.is_child
    assert not world.case.is_child


# Status machine --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [(old, new) for old in CaseStatus.values for new in CaseStatus.values if new not in TRANSITIONS[old]],
)
def test_every_illegal_move_is_refused_and_changes_nothing(world, old, new):
    Case.objects.filter(pk=world.case.pk).update(status=old)
    events_before = CaseEvent.objects.filter(case=world.case).count()
    with pytest.raises(CaseworkError):
        actions.do_transition_case(world.case, new, reason="try", actor=world.owner)
    world.case.refresh_from_db()
    assert world.case.status == old
    assert CaseEvent.objects.filter(case=world.case).count() == events_before


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (old, new)
        for old in CaseStatus.values
        for new in sorted(TRANSITIONS[old])
        if new not in (CaseStatus.IDENTIFIED, CaseStatus.NOT_IDENTIFIED)
    ],
)
def test_every_legal_move_writes_event_and_audit(world, old, new):
    Case.objects.filter(pk=world.case.pk).update(status=old)
    moved = actions.do_transition_case(world.case, new, reason="because", actor=world.owner)
    assert moved.status == new
    event = CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.TRANSITION).latest("at", "id")
    assert (event.old_status, event.new_status, event.reason, event.actor) == (old, new, "because", world.owner)
    assert AuditEvent.objects.filter(case=world.case, action=AuditEvent.Action.TRANSITION).count() == 1


def test_a_move_without_reason_is_refused(world):
    with pytest.raises(CaseworkError):
        actions.do_transition_case(world.case, CaseStatus.VERIFYING, reason="  ", actor=world.owner)
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.REPORTED


def test_identification_outcomes_need_the_decision_action(world):
    case = move_to(world.case, CaseStatus.IDENTIFYING, world.owner)
    with pytest.raises(CaseworkError):
        actions.do_transition_case(case, CaseStatus.IDENTIFIED, reason="x", actor=world.owner)


def test_closing_keeps_the_reason_and_reopening_returns_to_the_previous_status(world):
    case = actions.do_transition_case(world.case, CaseStatus.VERIFYING, reason="start", actor=world.owner)
    case = actions.do_transition_case(case, CaseStatus.CLOSED, reason="duplicate of another case", actor=world.owner)
    assert case.closure_reason == "duplicate of another case"
    reopened = actions.do_reopen_case(case, reason="not a duplicate after all", actor=world.owner)
    assert reopened.status == CaseStatus.VERIFYING
    assert reopened.events.filter(kind=CaseEvent.Kind.REOPENED).count() == 1
    with pytest.raises(CaseworkError):
        actions.do_reopen_case(reopened, reason="again", actor=world.owner)


# Identification and legal regime (Law 53 art. 63) -----------------------------------------


@pytest.mark.parametrize(
    ("identified_on", "regime"),
    [
        (datetime.date(2025, 6, 30), LegalRegime.LAW_2011),
        (datetime.date(2025, 7, 1), LegalRegime.LAW_2024),
    ],
)
def test_identification_date_chooses_the_legal_regime(world, identified_on, regime):
    Case.objects.filter(pk=world.case.pk).update(received_at=timezone.make_aware(datetime.datetime(2025, 6, 1)))
    case = move_to(world.case, CaseStatus.IDENTIFYING, world.owner)
    case = actions.do_record_identification(
        case,
        is_victim=True,
        identified_on=identified_on,
        authority="Công an tỉnh",
        document="1/XN",
        reason="documents from the foreign authority",
        actor=world.owner,
    )
    assert (case.status, case.legal_regime, case.person_status) == (CaseStatus.IDENTIFIED, regime, PersonStatus.VICTIM)
    assert case.identified_on == identified_on
    assert case.events.filter(kind=CaseEvent.Kind.IDENTIFICATION, new_status=CaseStatus.IDENTIFIED).exists()


def test_accompanying_child_shares_the_victims_regime(world):
    child = make_case(
        world.police,
        acting(world.owner),
        name="Lò A Páo",
        birth_year=timezone.localdate().year - 6,
        accompanies=world.case,
    )
    assert child.person_status == PersonStatus.ACCOMPANYING_CHILD
    case = move_to(world.case, CaseStatus.IDENTIFYING, world.owner)
    actions.do_record_identification(
        case,
        is_victim=True,
        identified_on=timezone.localdate(),
        authority="Công an tỉnh",
        document="",
        reason="grounds",
        actor=world.owner,
    )
    child.refresh_from_db()
    assert child.legal_regime == LegalRegime.LAW_2024
    assert child.person_status == PersonStatus.ACCOMPANYING_CHILD


def test_not_identified_records_the_decision_without_a_regime(world):
    case = move_to(world.case, CaseStatus.IDENTIFYING, world.owner)
    case = actions.do_record_identification(
        case,
        is_victim=False,
        identified_on=timezone.localdate(),
        authority="Công an tỉnh",
        document="",
        reason="no grounds",
        actor=world.owner,
    )
    assert (case.status, case.person_status, case.legal_regime) == (
        CaseStatus.NOT_IDENTIFIED,
        PersonStatus.NOT_VICTIM,
        "",
    )


@pytest.mark.parametrize("days", [1, -30])
def test_identification_dated_in_the_future_or_before_reception_is_refused(world, days):
    case = move_to(world.case, CaseStatus.IDENTIFYING, world.owner)
    with pytest.raises(CaseworkError):
        actions.do_record_identification(
            case,
            is_victim=True,
            identified_on=timezone.localdate() + datetime.timedelta(days=days),
            authority="Công an tỉnh",
            document="",
            reason="grounds",
            actor=world.owner,
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.IDENTIFYING and not case.legal_regime


def test_identification_outside_the_identifying_status_is_refused(world):
    with pytest.raises(CaseworkError):
        actions.do_record_identification(
            world.case,
            is_victim=True,
            identified_on=timezone.localdate(),
            authority="x",
            document="",
            reason="y",
            actor=world.owner,
        )


# Grants ------------------------------------------------------------------------------------


def test_roles_receive_the_classes_of_design_section_5(world):
    assert case_classes(acting(world.owner), world.case) == set(SensitivityClass.values)
    assert case_classes(acting(world.supervisor), world.case) == set(SensitivityClass.values)
    assert case_classes(acting(world.shelter), world.case) == {"core", "identity", "health", "shelter"}
    assert case_classes(acting(world.outsider), world.case) == set()


def test_revoking_a_referral_grant_leaves_the_owning_agency_access(world):
    grant = world.case.grants.get(source=CaseGrant.Source.REFERRAL)
    actions.revoke_case(grant, actor=world.owner)
    assert case_classes(acting(world.shelter), world.case) == set()
    assert "identity" in case_classes(acting(world.colleague), world.case)
    assert AuditEvent.objects.filter(case=world.case, action=AuditEvent.Action.REVOKE).count() == 1
    # A second revoke of the same grant changes nothing.
    actions.revoke_case(grant, actor=world.owner)
    assert AuditEvent.objects.filter(case=world.case, action=AuditEvent.Action.REVOKE).count() == 1


def test_two_grants_to_one_group_keep_the_union_until_both_are_revoked(world):
    group = world.shelter_agency.role_groups.get(role=Role.SHELTER_STAFF).group
    extra = actions.grant_case(
        world.case, group=group, classes=["core", "support"], source=CaseGrant.Source.REFERRAL, actor=world.owner
    )
    assert "support" in case_classes(acting(world.shelter), world.case)
    actions.revoke_case(extra, actor=world.owner)
    assert case_classes(acting(world.shelter), world.case) == {"core", "identity", "health", "shelter"}


def test_a_new_colleague_sees_the_agency_cases_at_once_and_loses_them_when_removed(world):
    newcomer = make_user("newcomer", world.police, Role.CASEWORKER)
    assert list(visible_cases(acting(newcomer))) == [world.case]
    actions.do_end_membership(newcomer.memberships.get(), actor=None)
    assert list(visible_cases(acting(newcomer))) == []


def test_reassignment_moves_the_personal_grant(world):
    case = actions.do_assign_case(world.case, world.colleague, actor=world.supervisor)
    assert case.assigned_to == world.colleague
    active = case.grants.filter(source=CaseGrant.Source.ASSIGNMENT, revoked_at__isnull=True)
    assert list(active.values_list("user__username", flat=True)) == ["colleague"]
    with pytest.raises(CaseworkError):
        actions.do_assign_case(case, world.outsider, actor=world.supervisor)


def test_the_list_filter_is_one_sql_statement_without_id_lists(world):
    sql = str(visible_cases(acting(world.owner)).query)
    assert sql.count("EXISTS") == 2
    assert " IN (" not in sql


# Deadlines -----------------------------------------------------------------------------------


@pytest.fixture
def limited(world):
    """A case registered while an administrator has set 48 hours for the `reported` status."""
    StatusDeadline.objects.update_or_create(status=CaseStatus.REPORTED, defaults={"hours": 48})
    world.case = make_case(world.police, acting(world.owner), name="Hờ Thị Pà")
    assert world.case.due_at == world.case.received_at + datetime.timedelta(hours=48)
    return world


def test_overdue_cases_are_flagged_once(limited):
    world = limited
    case = world.case
    with time_machine.travel(case.due_at + datetime.timedelta(minutes=1)):
        assert actions.do_flag_overdue_cases() == 1
        assert actions.do_flag_overdue_cases() == 0
    case.refresh_from_db()
    assert case.is_overdue
    assert case.events.filter(kind=CaseEvent.Kind.OVERDUE).count() == 1


def test_moving_on_clears_the_overdue_flag(limited):
    world = limited
    with time_machine.travel(world.case.due_at + datetime.timedelta(minutes=1)):
        actions.do_flag_overdue_cases()
        case = actions.do_transition_case(world.case, CaseStatus.VERIFYING, reason="started", actor=world.owner)
    assert not case.is_overdue


def test_a_case_before_its_deadline_is_not_flagged(limited):
    world = limited
    with time_machine.travel(world.case.due_at - datetime.timedelta(minutes=1)):
        assert actions.do_flag_overdue_cases() == 0


# People ------------------------------------------------------------------------------------


def test_former_province_maps_to_the_new_unit(reference_data):
    person = Person.objects.create(
        full_name="Vàng Thị Dợ", home_former_province=Province.objects.get(code="TQ").former_provinces.get(code="02")
    )
    assert person.home_province.code == "TQ"


def test_reference_allocation_survives_concurrent_callers(world):
    """Numbers never repeat even when counters are hit in quick succession."""
    references = {actions.allocate_reference(world.case.reception_province, 2031) for _ in range(20)}
    assert len(references) == 20
    assert ReferenceCounter.objects.get(province=world.case.reception_province, year=2031).last == 20
