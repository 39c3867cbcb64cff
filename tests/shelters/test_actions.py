"""The shelter workflows of shelters/actions.py: holds, admission, extension, services,
discharge and follow-up. Each refusal is checked to change nothing and leave one `refused` row."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone, translation

from casework.actions import do_record_identification, do_transition_case
from casework.models import AuditEvent, Case, CaseEvent, CaseStatus, Consent, Person, SensitivityClass, Sex
from referrals.actions import ReferralError, do_accept_referral, do_acknowledge_referral, do_send_referral
from referrals.models import Referral, ReferralPurpose, ReferralStatus
from shelters.actions import (
    ShelterError,
    add_months,
    do_admit_from_placement,
    do_admit_walk_in,
    do_discharge,
    do_extend_stay,
    do_record_followup,
    do_record_service,
    do_release_expired_holds,
)
from shelters.models import (
    Bed,
    FollowUpOutcome,
    FollowUpVisit,
    Intake,
    Placement,
    ServiceKind,
    ServiceRecord,
    Stay,
    StayExtension,
)
from tests.fixtures.personas import acting
from tests.fixtures.shelters import make_facility, new_case, place


@pytest.fixture(autouse=True)
def english():
    """Refusal messages and timeline lines are matched in English (the UI is Vietnamese first)."""
    with translation.override("en"):
        yield


HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
REFUSED = AuditEvent.Action.REFUSED


def rows(case: Case) -> dict:
    """Everything a shelter action may write about `case`, to compare before and after a refusal."""
    return {
        "status": Case.objects.get(pk=case.pk).status,
        "beds": list(Bed.objects.order_by("pk").values_list("pk", "held_for", "held_until", "occupied_by")),
        "placements": list(Placement.objects.filter(case=case).values()),
        "stays": list(Stay.objects.filter(case=case).values()),
        "extensions": StayExtension.objects.filter(stay__case=case).count(),
        "intakes": Intake.objects.filter(stay__case=case).count(),
        "services": ServiceRecord.objects.filter(case=case).count(),
        "visits": list(FollowUpVisit.objects.filter(case=case).values()),
        "consents": Consent.objects.filter(case=case).count(),
        "referrals": list(Referral.objects.filter(case=case).values_list("pk", "status")),
        "events": CaseEvent.objects.filter(case=case).count(),
        "audit": AuditEvent.objects.filter(case=case).exclude(action=REFUSED).count(),
    }


def assert_refused(case: Case, call, *, action: str, match: str, error=ShelterError) -> None:
    """The call raises, nothing about the case changes, and exactly one `refused` row is added."""
    before = rows(case)
    refused_before = set(AuditEvent.objects.filter(case=case, action=REFUSED).values_list("pk", flat=True))
    with pytest.raises(error, match=match):
        call()
    assert rows(case) == before
    refusals = AuditEvent.objects.filter(case=case, action=REFUSED).exclude(pk__in=refused_before)
    assert [refusal.detail["action"] for refusal in refusals] == [action]


def received_referral(case: Case, w, facility=None) -> Referral:
    """A placement referral sent to the facility and acknowledged there, not yet accepted."""
    facility = facility or w.facility
    referral = do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=facility.agency,
        from_agency=w.social,
        actor=acting(w.social_worker),
    )
    worker = w.shelter_worker if facility == w.facility else w.other_shelter_worker
    return do_acknowledge_referral(referral, actor=acting(worker))


def identify(case: Case, w) -> None:
    actor = acting(w.social_worker)
    do_transition_case(case, CaseStatus.VERIFYING, reason="kiểm tra ban đầu", actor=actor)
    do_transition_case(case, CaseStatus.IDENTIFYING, reason="xác minh", actor=actor)
    do_record_identification(
        case,
        is_victim=True,
        identified_on=timezone.localdate(),
        authority="Công an tỉnh Lào Cai",
        document="12/QĐ",
        reason="lời khai và giấy tờ của phía nước ngoài",
        actor=actor,
    )


def a_man(w) -> Case:
    case = new_case(w.social, w.social_worker, name="Lò Văn Páo")
    Person.objects.filter(pk=case.person_id).update(sex=Sex.MALE)
    return case


def a_child(w) -> Case:
    return new_case(w.social, w.social_worker, name="Lò Thị Dính", birth_year=timezone.localdate().year - 12)


def walk_in(case: Case, w, facility=None, **overrides) -> Stay:
    """Admit `case` as a walk-in. A walk-in's case is registered by the facility itself, so the
    case is handed to the facility's agency first, as if she had come to its door."""
    Case.objects.filter(pk=case.pk).update(owning_agency=(facility or w.facility).agency)
    case.owning_agency = (facility or w.facility).agency
    values = {
        "facility": facility or w.facility,
        "planned_end": w.in_months(3),
        "given_by": Consent.GivenBy.PERSON,
        "given_on": timezone.localdate(),
        "actor": acting(w.shelter_worker),
    }
    return do_admit_walk_in(case, **{**values, **overrides})


@pytest.fixture
def w(shelter_world):
    shelter_world.resident = new_case(shelter_world.social, shelter_world.social_worker, name="Lò Thị Mai")
    shelter_world.worker = acting(shelter_world.shelter_worker)
    return shelter_world


@pytest.fixture
def staying(w):
    """The resident admitted from her placement, planned to stay three months."""
    place(w.resident, w)
    w.stay = do_admit_from_placement(w.resident, facility=w.facility, planned_end=w.in_months(3), actor=w.worker)
    return w


@pytest.fixture
def discharged(staying):
    """The resident identified as a victim, admitted, and discharged home just now."""
    identify(staying.resident, staying)
    staying.stay = do_discharge(
        staying.stay,
        discharged_at=timezone.now(),
        destination=Stay.Destination.FAMILY,
        reason="về với gia đình",
        actor=staying.worker,
    )
    staying.visit = FollowUpVisit.objects.get(stay=staying.stay, months=1)
    return staying


# Holds ------------------------------------------------------------------------------------


def test_accepting_a_placement_holds_one_bed_for_the_facilitys_hold_time(w):
    w.facility.hold_hours = 12
    w.facility.save()
    placement = place(w.resident, w)
    held = Bed.objects.filter(held_for=w.resident)
    assert list(held) == [placement.bed]
    bed = held.get()
    assert placement.facility == w.facility
    assert placement.hold_until == placement.accepted_at + datetime.timedelta(hours=12)
    assert (bed.held_until, bed.occupied_by) == (placement.hold_until, None)
    assert placement.hold_released_at is None
    assert w.resident.events.filter(kind=CaseEvent.Kind.SHELTER, reason__contains="held until").count() == 1
    assert AuditEvent.objects.filter(
        case=w.resident, action=AuditEvent.Action.CREATE, object_type="placement", detail__bed=bed.pk
    ).exists()


def test_accepting_when_no_bed_is_free_is_refused_and_the_referral_stays_received(w):
    place(new_case(w.social, w.social_worker, name="Hà Thị Lan"), w, w.other_facility)
    referral = received_referral(w.resident, w, w.other_facility)
    assert_refused(
        w.resident,
        lambda: do_accept_referral(referral, actor=acting(w.other_shelter_worker)),
        action="do_accept_referral",
        match="no free bed",
        error=ReferralError,
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    assert not Placement.objects.filter(case=w.resident).exists()


@pytest.mark.parametrize("person", [a_man, a_child], ids=["man", "child"])
def test_accepting_a_person_the_facility_does_not_take_is_refused(w, person):
    case = person(w)
    referral = received_referral(case, w)
    assert_refused(
        case,
        lambda: do_accept_referral(referral, actor=w.worker),
        action="do_accept_referral",
        match="does not take",
        error=ReferralError,
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    assert not Bed.objects.filter(held_for=case).exists()


def test_releasing_expired_holds_frees_the_bed_once(w, time_machine):
    placement = place(w.resident, w)
    assert do_release_expired_holds() == 0
    after = placement.hold_until + datetime.timedelta(minutes=1)
    time_machine.move_to(after, tick=False)
    assert do_release_expired_holds() == 1
    bed = Bed.objects.get(pk=placement.bed_id)
    assert (bed.held_for, bed.held_until, bed.occupied_by) == (None, None, None)
    placement.refresh_from_db()
    assert placement.hold_released_at == after
    expired = w.resident.events.filter(kind=CaseEvent.Kind.SHELTER, reason__contains="expired")
    assert expired.count() == 1
    assert AuditEvent.objects.filter(case=w.resident, object_type="bed", detail__hold_expired=bed.pk).count() == 1
    assert do_release_expired_holds() == 0
    assert expired.count() == 1


def test_a_held_bed_is_not_free_for_someone_else_until_the_hold_expires(w, time_machine):
    placement = place(w.resident, w, w.other_facility)
    free = Bed.objects.filter(facility=w.other_facility)
    assert not free.filter(Bed.free_q()).exists()
    other = new_case(w.social, w.social_worker, name="Hà Thị Lan")
    referral = received_referral(other, w, w.other_facility)
    with pytest.raises(ReferralError, match="no free bed"):
        do_accept_referral(referral, actor=acting(w.other_shelter_worker))
    time_machine.move_to(placement.hold_until + datetime.timedelta(minutes=1))
    assert list(free.filter(Bed.free_q())) == [placement.bed]
    do_accept_referral(referral, actor=acting(w.other_shelter_worker))
    assert Bed.objects.get(pk=placement.bed_id).held_for_id == other.pk


# Admission --------------------------------------------------------------------------------


def test_admission_from_a_placement_takes_the_held_bed(w):
    placement = place(w.resident, w)
    stay = do_admit_from_placement(w.resident, facility=w.facility, planned_end=w.in_months(3), actor=w.worker)
    assert (stay.bed_id, stay.placement, stay.source) == (placement.bed_id, placement, Stay.Source.PLACEMENT)
    bed = Bed.objects.get(pk=placement.bed_id)
    assert (bed.occupied_by_id, bed.held_for, bed.held_until) == (w.resident.pk, None, None)
    assert Bed.objects.filter(occupied_by=w.resident).count() == 1
    assert Intake.objects.filter(stay=stay).exists()
    assert w.resident.events.filter(kind=CaseEvent.Kind.SHELTER, reason__startswith="Admitted").count() == 1
    assert AuditEvent.objects.filter(case=w.resident, object_type="stay", action=AuditEvent.Action.CREATE).count() == 1


def test_admission_before_the_placement_is_accepted_is_refused(w):
    do_send_referral(
        w.resident,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=w.facility.agency,
        from_agency=w.social,
        actor=acting(w.social_worker),
    )
    assert_refused(
        w.resident,
        lambda: do_admit_from_placement(w.resident, facility=w.facility, planned_end=w.in_months(3), actor=w.worker),
        action="do_admit_from_placement",
        match="accept the referral before admitting",
    )


def test_a_second_admission_of_the_same_person_is_refused(staying):
    assert_refused(
        staying.resident,
        lambda: walk_in(staying.resident, staying),
        action="do_admit_walk_in",
        match="already staying",
    )


def test_a_walk_in_to_a_full_facility_is_refused(w):
    walk_in(new_case(w.social, w.social_worker, name="Hà Thị Lan"), w, w.other_facility)
    assert_refused(
        w.resident,
        lambda: walk_in(w.resident, w, w.other_facility),
        action="do_admit_walk_in",
        match="full",
    )


def test_a_walk_in_records_her_consent_to_stay_for_the_facility(w):
    stay = walk_in(w.resident, w, given_on=timezone.localdate() - datetime.timedelta(days=1))
    consent = stay.consent
    assert consent.agency == w.facility.agency
    assert sorted(consent.classes) == sorted(
        [SensitivityClass.CORE, SensitivityClass.IDENTITY, SensitivityClass.HEALTH, SensitivityClass.SHELTER]
    )
    assert (consent.case, consent.given_on) == (w.resident, timezone.localdate() - datetime.timedelta(days=1))
    assert (stay.source, stay.placement) == (Stay.Source.WALK_IN, None)
    assert Bed.objects.get(pk=stay.bed_id).occupied_by_id == w.resident.pk


def test_a_walk_in_on_another_agencys_case_is_refused(w):
    assert_refused(
        w.resident,
        lambda: do_admit_walk_in(
            w.resident,
            facility=w.facility,
            planned_end=w.in_months(3),
            given_by=Consent.GivenBy.PERSON,
            given_on=timezone.localdate(),
            actor=w.worker,
        ),
        action="do_admit_walk_in",
        match="placement referral",
    )


def test_a_walk_in_without_the_date_of_her_consent_is_refused(w):
    assert_refused(
        w.resident, lambda: walk_in(w.resident, w, given_on=None), action="do_admit_walk_in", match="date she agreed"
    )


@pytest.mark.parametrize(
    ("planned_end", "match"),
    [
        (lambda today: add_months(today, 18) + datetime.timedelta(days=1), "at most 18 months"),
        (lambda today: today - datetime.timedelta(days=1), "before the admission"),
        (lambda today: None, "planned end"),
    ],
    ids=["beyond-the-maximum", "before-admission", "missing"],
)
def test_a_planned_end_out_of_bounds_is_refused(w, planned_end, match):
    assert_refused(
        w.resident,
        lambda: walk_in(w.resident, w, planned_end=planned_end(timezone.localdate())),
        action="do_admit_walk_in",
        match=match,
    )


def test_the_planned_end_may_reach_the_maximum_stay(w):
    limit = add_months(timezone.localdate(), 18)
    assert walk_in(w.resident, w, planned_end=limit).planned_end == limit


@pytest.mark.parametrize("person", [a_man, a_child], ids=["man", "child"])
def test_admitting_a_person_the_facility_does_not_take_is_refused(w, person):
    case = person(w)
    assert_refused(case, lambda: walk_in(case, w), action="do_admit_walk_in", match="does not take")


# Extension --------------------------------------------------------------------------------


def extend(w, **overrides) -> StayExtension:
    values = {"new_end": w.in_months(6), "reason": "chưa có nơi về", "decided_by": "Giám đốc", "actor": w.worker}
    return do_extend_stay(w.stay, **{**values, **overrides})


def test_extending_a_stay_records_the_decision_and_moves_the_planned_end(staying):
    previous = staying.stay.planned_end
    extension = extend(staying)
    assert (extension.previous_end, extension.new_end) == (previous, staying.in_months(6))
    assert (extension.reason, extension.decided_by, extension.decision_number) == ("chưa có nơi về", "Giám đốc", "")
    staying.stay.refresh_from_db()
    assert staying.stay.planned_end == staying.in_months(6)
    assert staying.resident.events.filter(kind=CaseEvent.Kind.SHELTER, reason__startswith="Stay extended").exists()


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"new_end": "same"}, "later than the planned end"),
        ({"new_end": None}, "later than the planned end"),
        ({"reason": "  "}, "reason"),
        ({"decided_by": ""}, "who decided"),
    ],
    ids=["not-later", "missing-end", "no-reason", "no-decider"],
)
def test_an_incomplete_extension_is_refused(staying, overrides, match):
    if overrides.get("new_end") == "same":
        overrides = {"new_end": staying.stay.planned_end}
    assert_refused(staying.resident, lambda: extend(staying, **overrides), action="do_extend_stay", match=match)


def test_an_extension_beyond_the_maximum_stay_needs_the_decisions_number(staying):
    beyond = add_months(timezone.localdate(staying.stay.admitted_at), 18) + datetime.timedelta(days=1)
    assert_refused(
        staying.resident,
        lambda: extend(staying, new_end=beyond),
        action="do_extend_stay",
        match="needs the decision's number",
    )
    extension = extend(staying, new_end=beyond, decision_number="45/QĐ-SLĐTBXH")
    assert extension.decision_number == "45/QĐ-SLĐTBXH"
    staying.stay.refresh_from_db()
    assert staying.stay.planned_end == beyond


# Services ---------------------------------------------------------------------------------


def serve(w, kind, **overrides) -> ServiceRecord:
    values = {"provided_on": timezone.localdate(), "provider": "Bác sĩ Hà", "actor": w.worker}
    return do_record_service(w.stay, kind=kind, **{**values, **overrides})


@pytest.mark.parametrize(
    ("kind", "sensitivity"),
    [
        (ServiceKind.COUNSELLING, SensitivityClass.HEALTH),
        (ServiceKind.MEDICAL, SensitivityClass.HEALTH),
        (ServiceKind.LEGAL_AID, SensitivityClass.SHELTER),
        (ServiceKind.SCHOOLING, SensitivityClass.SHELTER),
        (ServiceKind.VOCATIONAL, SensitivityClass.SHELTER),
        (ServiceKind.LIFE_SKILLS, SensitivityClass.SHELTER),
        (ServiceKind.ESSENTIAL_NEEDS, SensitivityClass.SHELTER),
    ],
)
def test_a_service_is_as_sensitive_as_what_it_tells(staying, kind, sensitivity):
    days = 1 if kind == ServiceKind.ESSENTIAL_NEEDS else None
    record = serve(staying, kind, days=days)
    assert record.sensitivity == sensitivity
    event = staying.resident.events.get(kind=CaseEvent.Kind.SHELTER, reason=ServiceKind(kind).label)
    assert event.sensitivity == sensitivity
    assert AuditEvent.objects.get(case=staying.resident, object_type="servicerecord").classes == [sensitivity]


def test_services_of_two_kinds_are_both_recorded(staying, time_machine):
    time_machine.move_to(timezone.now() + datetime.timedelta(days=10))
    admitted_on = timezone.localdate(staying.stay.admitted_at)
    serve(staying, ServiceKind.COUNSELLING)
    serve(staying, ServiceKind.ESSENTIAL_NEEDS, provided_on=admitted_on, days=11)
    assert sorted(ServiceRecord.objects.filter(stay=staying.stay).values_list("kind", "provided_on", "days")) == [
        (ServiceKind.COUNSELLING, timezone.localdate(), None),
        (ServiceKind.ESSENTIAL_NEEDS, admitted_on, 11),
    ]


@pytest.mark.parametrize(
    ("kind", "offset", "days", "match"),
    [
        (ServiceKind.ESSENTIAL_NEEDS, -10, None, "number of days"),
        (ServiceKind.ESSENTIAL_NEEDS, -10, 0, "number of days"),
        (ServiceKind.ESSENTIAL_NEEDS, -10, 12, "run past"),
        (ServiceKind.MEDICAL, -10, 3, "only for essential needs"),
        (ServiceKind.MEDICAL, -11, None, "within the stay"),
        (ServiceKind.MEDICAL, 1, None, "not in the future"),
    ],
    ids=["no-days", "zero-days", "past-today", "days-on-medical", "before-admission", "future"],
)
def test_a_service_out_of_bounds_is_refused(staying, time_machine, kind, offset, days, match):
    """Ten days into the stay: `offset` counts days from today."""
    time_machine.move_to(timezone.now() + datetime.timedelta(days=10))
    provided_on = timezone.localdate() + datetime.timedelta(days=offset)
    assert_refused(
        staying.resident,
        lambda: serve(staying, kind, provided_on=provided_on, days=days),
        action="do_record_service",
        match=match,
    )


# Discharge --------------------------------------------------------------------------------


def discharge(w, **overrides) -> Stay:
    values = {
        "discharged_at": timezone.now(),
        "destination": Stay.Destination.FAMILY,
        "reason": "về với gia đình",
        "actor": w.worker,
    }
    return do_discharge(w.stay, **{**values, **overrides})


@pytest.mark.parametrize(
    ("moment", "match"),
    [
        (lambda stay: stay.admitted_at - datetime.timedelta(minutes=1), "before the admission"),
        (lambda stay: timezone.now() + datetime.timedelta(hours=1), "in the future"),
        (lambda stay: None, "date and time"),
    ],
    ids=["before-admission", "future", "missing"],
)
def test_a_discharge_out_of_bounds_is_refused(staying, moment, match):
    identify(staying.resident, staying)
    assert_refused(
        staying.resident,
        lambda: discharge(staying, discharged_at=moment(staying.stay)),
        action="do_discharge",
        match=match,
    )


def test_discharging_twice_is_refused(discharged):
    assert_refused(discharged.resident, lambda: discharge(discharged), action="do_discharge", match="already ended")


@pytest.fixture
def january(time_machine, request):
    """The world built, and the resident identified and admitted, on 20 January 2026."""
    time_machine.move_to(datetime.datetime(2026, 1, 20, 9, tzinfo=HCM), tick=False)
    w = request.getfixturevalue("staying")
    identify(w.resident, w)
    time_machine.move_to(datetime.datetime(2026, 1, 31, 17, tzinfo=HCM), tick=False)
    return w


@pytest.mark.parametrize("status", [CaseStatus.IDENTIFIED, CaseStatus.SUPPORTING])
def test_discharge_frees_the_bed_opens_follow_up_and_moves_the_case_to_reintegration(january, status):
    w = january
    if status == CaseStatus.SUPPORTING:
        do_transition_case(w.resident, CaseStatus.SUPPORTING, reason="hỗ trợ", actor=acting(w.social_worker))
    discharge(w, discharged_at=datetime.datetime(2026, 1, 31, 10, tzinfo=HCM))
    bed = Bed.objects.get(pk=w.stay.bed_id)
    assert bed.occupied_by is None
    assert Bed.objects.filter(pk=bed.pk).filter(Bed.free_q()).exists()
    w.stay.refresh_from_db()
    assert (w.stay.discharged_by, w.stay.destination) == (w.shelter_worker, Stay.Destination.FAMILY)
    visits = FollowUpVisit.objects.filter(stay=w.stay)
    assert list(visits.values_list("months", "due_on")) == [
        (1, datetime.date(2026, 2, 28)),
        (3, datetime.date(2026, 4, 30)),
        (6, datetime.date(2026, 7, 31)),
        (12, datetime.date(2027, 1, 31)),
        (24, datetime.date(2028, 1, 31)),
    ]
    assert {visit.agency for visit in visits} == {w.facility.agency}
    w.resident.refresh_from_db()
    assert w.resident.status == CaseStatus.REINTEGRATING
    moves = w.resident.events.filter(kind=CaseEvent.Kind.TRANSITION, reason__startswith="Discharged from")
    expected = [(CaseStatus.IDENTIFIED, CaseStatus.SUPPORTING)] if status == CaseStatus.IDENTIFIED else []
    assert list(moves.order_by("id").values_list("old_status", "new_status")) == [
        *expected,
        (CaseStatus.SUPPORTING, CaseStatus.REINTEGRATING),
    ]


def test_discharge_to_another_facility_opens_no_follow_up_and_keeps_the_status(staying):
    identify(staying.resident, staying)
    discharge(staying, destination=Stay.Destination.OTHER_FACILITY)
    assert not FollowUpVisit.objects.filter(case=staying.resident).exists()
    staying.resident.refresh_from_db()
    assert staying.resident.status == CaseStatus.IDENTIFIED
    assert Bed.objects.get(pk=staying.stay.bed_id).occupied_by is None


def test_a_shorter_follow_up_period_keeps_only_the_visits_within_it(w):
    facility = make_facility("s-peace-short", "HN", followup_months=6)
    w.stay = walk_in(w.resident, w, facility)
    discharge(w)
    assert list(FollowUpVisit.objects.filter(stay=w.stay).values_list("months", flat=True)) == [1, 3, 6]


# Follow-up --------------------------------------------------------------------------------


def follow_up(w, **overrides) -> FollowUpVisit:
    values = {"visited_on": timezone.localdate(), "outcome": FollowUpOutcome.SAFE, "actor": w.worker}
    return do_record_followup(w.visit, **{**values, **overrides})


@pytest.mark.parametrize(
    ("offset", "match"),
    [(1, "in the future"), (-1, "after the discharge")],
    ids=["future", "before-discharge"],
)
def test_a_follow_up_visit_out_of_bounds_is_refused(discharged, offset, match):
    visited_on = timezone.localdate() + datetime.timedelta(days=offset)
    assert_refused(
        discharged.resident,
        lambda: follow_up(discharged, visited_on=visited_on),
        action="do_record_followup",
        match=match,
    )


def test_a_follow_up_visit_is_recorded_once(discharged):
    visit = follow_up(discharged)
    assert (visit.visited_on, visit.outcome, visit.recorded_by) == (
        timezone.localdate(),
        FollowUpOutcome.SAFE,
        discharged.shelter_worker,
    )
    assert discharged.resident.events.filter(kind=CaseEvent.Kind.FOLLOWUP).count() == 1
    assert_refused(
        discharged.resident,
        lambda: follow_up(discharged, outcome=FollowUpOutcome.AT_RISK),
        action="do_record_followup",
        match="already recorded",
    )


def test_re_trafficking_found_at_follow_up_takes_the_case_back_to_support(discharged):
    discharged.resident.refresh_from_db()
    assert discharged.resident.status == CaseStatus.REINTEGRATING
    follow_up(discharged, outcome=FollowUpOutcome.RETRAFFICKED)
    discharged.resident.refresh_from_db()
    assert discharged.resident.status == CaseStatus.SUPPORTING
    back = discharged.resident.events.filter(
        kind=CaseEvent.Kind.TRANSITION, old_status=CaseStatus.REINTEGRATING, new_status=CaseStatus.SUPPORTING
    )
    assert back.get().reason.startswith("Re-trafficked")
    assert discharged.resident.events.filter(kind=CaseEvent.Kind.FOLLOWUP, reason__contains="re-trafficked").exists()
