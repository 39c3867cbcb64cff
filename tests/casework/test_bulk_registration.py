"""`casework.bulk.do_register_cases` writes what `do_create_case` and the status actions write
one case at a time (decision 255); the same refusals. Fictional people."""

import datetime

import pytest
from django.utils import timezone, translation

from casework import actions, bulk, corrections
from casework.models import (
    AuditEvent,
    CameToNotice,
    Case,
    CaseGroupObjectPermission,
    CaseStatus,
    Person,
    Province,
    Role,
    Sex,
)
from tests.fixtures.personas import acting, make_agency, make_user

RECEIVED = datetime.datetime(2025, 8, 4, 9, 0, tzinfo=datetime.UTC)
DECIDED = datetime.date(2025, 8, 20)
STEPS = {
    "reported": [],
    "identified": [
        bulk.Move(CaseStatus.VERIFYING, "nhập"),
        bulk.Move(CaseStatus.IDENTIFYING, "nhập"),
        bulk.Move(CaseStatus.IDENTIFIED, "đủ căn cứ", identified_on=DECIDED, authority="Police"),
        bulk.Move(CaseStatus.SUPPORTING, "hỗ trợ"),
    ],
    "closed": [
        bulk.Move(CaseStatus.VERIFYING, "nhập"),
        bulk.Move(CaseStatus.IDENTIFYING, "nhập"),
        bulk.Move(CaseStatus.NOT_IDENTIFIED, "không đủ căn cứ", identified_on=DECIDED, authority="Police"),
        bulk.Move(CaseStatus.CLOSED, "chuyển đi"),
    ],
}


def new_case(name: str, province) -> tuple[Person, Case]:
    person = Person(full_name=name, sex=Sex.FEMALE, birth_year=1998, home_province=province)
    case = Case(came_to_notice=CameToNotice.RESCUE, received_at=RECEIVED, reception_province=province)
    return person, case


def one_by_one(agency, actor, province, name: str, moves: list[bulk.Move]) -> Case:
    person, case = new_case(name, province)
    case = actions.do_create_case(person=person, case=case, actor=actor, agency=agency)
    for move in moves:
        if move.identified_on:
            case = actions.do_record_identification(
                case,
                is_victim=move.status == CaseStatus.IDENTIFIED,
                identified_on=move.identified_on,
                authority=move.authority,
                document="",
                reason=move.reason,
                actor=actor,
            )
        else:
            case = actions.do_transition_case(case, move.status, reason=move.reason, actor=actor)
    corrections.do_keep_stated_decision(case, {"legal_regime": case.legal_regime})
    return case


def written(case: Case, agency) -> dict:
    """What a registration wrote for the case, without ids, moments and the agency's name."""
    case.refresh_from_db()
    fields = ["status", "person_status", "identified_on", "legal_regime", "identification_authority"]
    fields += ["closure_reason", "is_child", "age_at_reception", "historic"]
    audit = AuditEvent.objects.filter(case=case).order_by("id")
    return {
        "case": {name: getattr(case, name) for name in fields} | {"due": case.due_at is not None},
        "events": [
            (event.kind, event.old_status, event.new_status, event.sensitivity, event.reason.replace(agency.name, "A"))
            for event in case.events.order_by("at", "id")
        ],
        "audit": sorted(
            (row.action, row.object_type, tuple(row.classes), row.agency_id == agency.pk, str(row.detail.get("to", "")))
            for row in audit
        ),
        "grants": sorted((tuple(grant.classes), grant.can_change, grant.source) for grant in case.grants.all()),
        "permissions": sorted(
            CaseGroupObjectPermission.objects.filter(content_object=case).values_list("permission__codename", flat=True)
        ),
        "leads": list(case.leads.values_list("reason", "started_at")),
    }


@pytest.mark.parametrize("steps", list(STEPS))
def test_bulk_registration_writes_what_the_one_case_actions_write(reference_data, steps):
    province = Province.objects.get(code="LCA")
    alone, together = make_agency("b-alone", "police", "LCA"), make_agency("b-together", "police", "LCA")
    actor = acting(make_user("b.admin", alone, Role.AGENCY_ADMIN), alone)
    actions.do_add_membership(actor, together, Role.AGENCY_ADMIN, actor=None)
    expected = one_by_one(alone, actor, province, "Hà Thị Mai", STEPS[steps])
    person, case = new_case("Hà Thị Mai", province)
    [registered] = bulk.do_register_cases(
        [bulk.NewCase(person=person, case=case, moves=STEPS[steps], stated={"legal_regime": expected.legal_regime})],
        actor=actor,
        agency=together,
    )
    assert written(registered, together) == written(expected, alone)


def test_a_refused_move_undoes_every_case_of_the_call(reference_data):
    province = Province.objects.get(code="LCA")
    agency = make_agency("b-refused", "police", "LCA")
    actor = acting(make_user("b.refused", agency, Role.AGENCY_ADMIN), agency)
    fine = bulk.NewCase(*new_case("Lò Thị Hoa", province), moves=STEPS["identified"])
    early = [bulk.Move(CaseStatus.VERIFYING, "nhập"), bulk.Move(CaseStatus.IDENTIFYING, "nhập")]
    early.append(bulk.Move(CaseStatus.IDENTIFIED, "x", identified_on=timezone.localdate(), authority=""))
    refused = bulk.NewCase(*new_case("Vàng Thị Dợ", province), moves=early)
    with translation.override("en"), pytest.raises(actions.CaseworkError, match="Name the deciding authority"):
        bulk.do_register_cases([fine, refused], actor=actor, agency=agency)
    assert not Case.objects.filter(owning_agency=agency).exists()
