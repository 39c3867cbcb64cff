"""The actions through which another system (an HTCDS import) writes what it states about a
case (decision 147): what changed is named on the timeline and in the audit, nothing else is
written, and a field the actions do not know is refused."""

import pytest

from casework import actions, corrections
from casework.models import AuditEvent, Case, CaseEvent, PersonStatus, SensitivityClass
from tests.fixtures.personas import acting

REASON = "Imported from the HTCDS file test.csv"


def counts(case) -> tuple[int, int]:
    return CaseEvent.objects.filter(case=case).count(), AuditEvent.objects.filter(case=case).count()


def test_stated_facts_write_one_line_and_one_audit_row_naming_the_fields(world):
    case = Case.objects.select_related("person").get(pk=world.case.pk)
    events, audits = counts(case)
    changed = corrections.do_update_case_facts(
        case,
        person={"full_name": "Người Khác", "phone": case.person.phone},
        fields={"destination_country": None, "came_to_notice": case.came_to_notice},
        many={},
        actor=acting(world.owner),
        reason=REASON,
        detail={"htcds_import": "test.csv"},
        also_changed=["htcds.consent"],
    )
    assert changed[0] == "person.full_name" and changed[-1] == "htcds.consent"
    assert counts(case) == (events + 1, audits + 1)
    line = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.UPDATED).latest("pk")
    assert line.reason == f"{REASON}: {', '.join(changed)}"
    row = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.UPDATE).latest("pk")
    assert row.detail == {"htcds_import": "test.csv", "fields": changed}
    assert row.classes == sorted([SensitivityClass.CORE, SensitivityClass.IDENTITY])
    assert Case.objects.get(pk=case.pk).person.full_name == "Người Khác"


def test_stated_facts_that_change_nothing_write_nothing(world):
    case = Case.objects.select_related("person").get(pk=world.case.pk)
    before = counts(case)
    changed = corrections.do_update_case_facts(
        case,
        person={"full_name": case.person.full_name},
        fields={"came_to_notice": case.came_to_notice},
        many={},
        actor=acting(world.owner),
        reason=REASON,
    )
    assert changed == [] and counts(case) == before


@pytest.mark.parametrize(
    "arguments",
    [
        {"person": {"password": "x"}, "fields": {}, "many": {}},
        {"person": {}, "fields": {"status": "closed"}, "many": {}},
        {"person": {}, "fields": {}, "many": {"grants": []}},
    ],
)
def test_a_field_the_actions_do_not_know_is_refused(world, arguments):
    case = Case.objects.select_related("person").get(pk=world.case.pk)
    before = counts(case)
    with pytest.raises(ValueError):
        corrections.do_update_case_facts(case, **arguments, actor=acting(world.owner), reason=REASON)
    with pytest.raises(ValueError):
        corrections.do_keep_stated_decision(case, {"status": "closed"})
    assert counts(case) == before
    assert Case.objects.get(pk=case.pk).status == case.status


def test_the_stated_decision_is_put_back_without_a_line_of_its_own(world):
    case = world.case
    before = counts(case)
    corrections.do_keep_stated_decision(case, {"person_status": PersonStatus.NOT_VICTIM, "identified_on": None})
    assert Case.objects.get(pk=case.pk).person_status == PersonStatus.NOT_VICTIM
    assert case.person_status == PersonStatus.NOT_VICTIM
    assert counts(case) == before


def test_a_stated_criminal_case_number_writes_a_line_and_an_audit_row(world):
    case = world.case
    owner = acting(world.owner)
    incident = actions.do_link_incident(case, None, actor=owner, agency=world.police, criminal_case_number="1/2026")
    corrections.do_state_criminal_case_number(incident, "2/2026/HS", case=case, actor=owner, reason=REASON)
    incident.refresh_from_db()
    assert incident.criminal_case_number == "2/2026/HS"
    line = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.UPDATED).latest("pk")
    assert line.reason == f"{REASON}: incident.criminal_case_number"
    assert line.sensitivity == SensitivityClass.INVESTIGATION
    row = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.UPDATE).latest("pk")
    assert row.detail == {"fields": ["incident.criminal_case_number"]}
    assert row.classes == [SensitivityClass.INVESTIGATION]
