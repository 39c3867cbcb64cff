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
    CaseEvent,
    CaseGrant,
    CaseGroupObjectPermission,
    CaseLead,
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


def columns(rows, skip: set[str], agency) -> list[dict]:
    """Every column of `rows` but those that differ by nature (ids, moments, references), the
    agency's own name and code replaced by a placeholder."""
    values = []
    for row in rows:
        fields = [field.attname for field in row._meta.concrete_fields if field.attname not in skip]
        values.append(anonymous(repr({name: getattr(row, name) for name in fields}), agency))
    return values


def anonymous(text: str, agency) -> str:
    return text.replace(agency.name, "A").replace(agency.code, "C")


def every_row(cases: list[Case], agency) -> dict:
    """What a registration wrote for `cases`, table by table, column by column."""
    moments = {"id", "at", "recorded_at", "created_at", "updated_at", "status_changed_at", "granted_at", "started_at"}
    ids = {"case_id", "person_id", "public_id", "reference", "object_id", "owning_agency_id", "group_id", "due_at"}
    ids |= {"verification_due_at", "content_object_id"}
    owner = {"agency_id"}  # compared with the owning agency below
    ordered = [Case.objects.get(pk=case.pk) for case in cases]
    leads = CaseLead.objects.filter(case__in=cases).order_by("case_id", "id")
    return {
        "people": columns([case.person for case in ordered], moments | ids, agency),
        "cases": columns(ordered, moments | ids, agency) + [case.due_at is None for case in ordered],
        "lines": columns(CaseEvent.objects.filter(case__in=cases).order_by("case_id", "id"), moments | ids, agency),
        "audit": columns(
            AuditEvent.objects.filter(case__in=cases).order_by("case_id", "id"), moments | ids | owner, agency
        )
        + [row.agency_id == agency.pk for row in AuditEvent.objects.filter(case__in=cases).order_by("case_id", "id")],
        "grants": columns(CaseGrant.objects.filter(case__in=cases).order_by("case_id", "id"), moments | ids, agency),
        "leads": columns(
            CaseLead.objects.filter(case__in=cases).order_by("case_id", "id"), moments | ids | owner, agency
        )
        + [(lead.started_at == lead.case.received_at, lead.agency_id == agency.pk) for lead in leads],
        "permissions": sorted(
            (codename, anonymous(group, agency))
            for codename, group in CaseGroupObjectPermission.objects.filter(content_object__in=cases).values_list(
                "permission__codename", "group__name"
            )
        ),
        "forms": sorted(
            Case.exploitation_forms.through.objects.filter(case__in=cases).values_list("case__status", "id")
        ),
    }


def test_bulk_registration_writes_every_column_the_one_case_actions_write(reference_data):
    """Three cases (reported, identified, closed) in one call against the same three one by one:
    every column of every row (people, cases, lines, audit, grants, leads, permissions), then
    the possible-duplicate notes on the earlier cases, in bulk and one by one."""
    province = Province.objects.get(code="LCA")
    alone, together = make_agency("c-alone", "police", "LCA"), make_agency("c-together", "police", "LCA")
    actor = acting(make_user("c.admin", alone, Role.AGENCY_ADMIN), alone)
    actions.do_add_membership(actor, together, Role.AGENCY_ADMIN, actor=None)
    names = {"reported": "Hà Thị Mai", "identified": "Lò Thị Hoa", "closed": "Vàng Thị Dợ"}
    expected = [one_by_one(alone, actor, province, names[steps], STEPS[steps]) for steps in STEPS]
    items = []
    for steps, case in zip(STEPS, expected, strict=True):
        person, new = new_case(names[steps], province)
        items.append(
            bulk.NewCase(person=person, case=new, moves=STEPS[steps], stated={"legal_regime": case.legal_regime})
        )
    registered = bulk.do_register_cases(items, actor=actor, agency=together)
    assert every_row(registered, together) == every_row(expected, alone)
    # A later registration names the same people: their earlier cases hear of it.
    later = bulk.do_register_cases([bulk.NewCase(*new_case(names["reported"], province))], actor=actor, agency=together)
    actions.do_flag_possible_duplicates(later[0], [expected[0]], actor=actor)
    bulk.do_flag_possible_duplicates([(later[0], [registered[0]])], actor=actor)
    assert notes(registered[0], together) == notes(expected[0], together) != ([], [])


def notes(case: Case, agency) -> tuple[list, list]:
    """The possible-duplicate line and audit row on `case`, every column but ids and moments."""
    skip = {"id", "at", "recorded_at", "case_id", "object_id"}
    lines = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.POSSIBLE_DUPLICATE).order_by("id")
    rows = AuditEvent.objects.filter(case=case, detail__has_key="possible_duplicate_of").order_by("id")
    return columns(lines, skip, agency), columns(rows, skip, agency)
