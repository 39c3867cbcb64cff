"""Incidents with many victims (issue 16): correcting an incident and its offenders, linking
and unlinking cases, and the incident page that never reveals a case the user may not see."""

import json

import pytest
from django.urls import reverse

from casework import actions, corrections
from casework.models import AuditEvent, Case, CaseEvent, Incident, Offender, Role, SensitivityClass
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in
from tests.fixtures.queries import page_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def ring(world):
    """The police case linked to an incident with one offender, and a second police case."""
    owner = acting(world.owner)
    incident = actions.do_link_incident(
        world.case, None, actor=owner, agency=world.police, criminal_case_number="", summary="Đường dây Hà Khẩu"
    )
    offender = actions.do_add_offender(
        world.case, Offender(full_name="Đối tượng Tâm", role_in_process="Recruiter"), actor=owner
    )
    second = make_case(world.police, owner, name="Lò Thị Hoa", birth_year=2001)
    return incident, offender, second


def _incident_form(incident: Incident, **changes) -> dict:
    data = {name: corrections.stored_value(incident, name) for name in corrections.INCIDENT_FIELDS}
    data["base"] = corrections.fingerprints(incident, corrections.INCIDENT_FIELDS)
    data.update(changes)
    return data


def _offender_form(offender: Offender, **changes) -> dict:
    data = {name: corrections.stored_value(offender, name) for name in corrections.OFFENDER_FIELDS}
    data["base"] = corrections.fingerprints(offender, corrections.OFFENDER_FIELDS)
    data.update(changes)
    return {f"o{offender.pk}-{name}": value for name, value in data.items() if value is not None}


def _link(client, case, incident):
    return client.post(reverse("casework:case-incident-link", args=[case.public_id]), {"incident": incident.public_id})


def test_a_second_victim_is_linked_to_the_ring_and_the_correction_reaches_both_timelines(world, ring):
    incident, _offender, second = ring
    client = sign_in(world.owner)
    page = client.get(reverse("casework:case-incident-link", args=[second.public_id]))
    assert page.status_code == 200 and str(incident.public_id) in page.content.decode()
    assert _link(client, second, incident).status_code == 302
    second.refresh_from_db()
    assert second.incident == incident
    linked = second.events.get(kind=CaseEvent.Kind.INCIDENT)
    assert linked.sensitivity == SensitivityClass.INVESTIGATION
    assert AuditEvent.objects.filter(case=second, action="update", object_type="incident", detail__linked=True).exists()

    url = reverse("casework:case-incident-edit", args=[second.public_id])
    assert client.get(url).status_code == 200
    form = _incident_form(incident, criminal_case_number="12/2026/HS", stage="investigating")
    assert client.post(url, form).status_code == 302
    incident.refresh_from_db()
    assert (incident.criminal_case_number, incident.stage) == ("12/2026/HS", "investigating")
    for case in (world.case, second):
        line = case.events.filter(kind=CaseEvent.Kind.UPDATED).get()
        assert line.sensitivity == SensitivityClass.INVESTIGATION
        assert "— → 12/2026/HS" in line.reason and "đã trình báo → đang điều tra" in line.reason
    row = AuditEvent.objects.get(action="update", object_type="incident", detail__has_key="fields")
    assert sorted(row.detail["fields"]) == ["incident.criminal_case_number", "incident.stage"]
    assert "12/2026" not in json.dumps(row.detail)


def test_a_stale_incident_form_is_refused_with_409(world, ring):
    incident, _offender, _second = ring
    url = reverse("casework:case-incident-edit", args=[world.case.public_id])
    mine = _incident_form(incident, summary="Tóm tắt của tôi")
    assert sign_in(world.colleague).post(url, _incident_form(incident, stage="prosecuted")).status_code == 302
    response = sign_in(world.owner).post(url, mine)
    assert response.status_code == 409
    assert "Tóm tắt của tôi" in response.content.decode()
    incident.refresh_from_db()
    assert incident.summary == "Đường dây Hà Khẩu" and incident.stage == "prosecuted"


def test_an_offender_is_corrected_and_removed(world, ring):
    incident, offender, _second = ring
    client = sign_in(world.owner)
    url = reverse("casework:case-offender-edit", args=[world.case.public_id, offender.pk])
    response = client.post(url, _offender_form(offender, role_in_process="Exploiter", birth_year=1980))
    assert response.status_code == 302
    offender.refresh_from_db()
    assert (offender.role_in_process, offender.birth_year) == ("Exploiter", 1980)
    line = world.case.events.filter(kind=CaseEvent.Kind.UPDATED).get()
    assert line.sensitivity == SensitivityClass.INVESTIGATION and "Đối tượng Tâm" in line.reason
    assert "Vai trò trong hành vi mua bán người: người tuyển mộ → người bóc lột" in line.reason
    assert "Năm sinh: — → 1980" in line.reason

    remove = reverse("casework:case-offender-remove", args=[world.case.public_id, offender.pk])
    assert client.post(remove).status_code == 302
    assert not incident.offenders.exists()
    assert world.case.events.filter(kind=CaseEvent.Kind.UPDATED, reason__contains="Đối tượng Tâm").count() == 2
    assert AuditEvent.objects.filter(action="update", detail__removed_offender=offender.pk).exists()
    # Removing it again is refused by the rule, not a 500.
    assert client.post(remove).status_code == 302
    assert AuditEvent.objects.filter(action="refused", case=world.case, actor=world.owner).exists()


def test_a_stale_offender_form_comes_back_with_what_was_typed(world, ring):
    _incident, offender, _second = ring
    url = reverse("casework:case-offender-edit", args=[world.case.public_id, offender.pk])
    mine = _offender_form(offender, notes="Biệt danh Tâm Lùn")
    assert sign_in(world.colleague).post(url, _offender_form(offender, full_name="Nguyễn Văn Tâm")).status_code == 302
    response = sign_in(world.owner).post(url, mine)
    assert response.status_code == 409
    assert "Biệt danh Tâm Lùn" in response.content.decode()
    offender.refresh_from_db()
    assert offender.notes == "" and offender.full_name == "Nguyễn Văn Tâm"


def test_an_offender_of_another_incident_cannot_be_reached_through_this_case(world, ring):
    incident, _offender, second = ring
    other = actions.do_link_incident(second, None, actor=acting(world.owner), agency=world.police)
    foreign = actions.do_add_offender(second, Offender(full_name="Khác"), actor=acting(world.owner))
    assert other != incident
    url = reverse("casework:case-offender-remove", args=[world.case.public_id, foreign.pk])
    assert sign_in(world.owner).post(url).status_code == 302
    assert Offender.objects.filter(pk=foreign.pk).exists()
    huge = reverse("casework:case-offender-remove", args=[world.case.public_id, 10**30])
    assert sign_in(world.owner).post(huge).status_code == 302


def test_unlinking_keeps_the_incident_for_the_others_and_needs_a_reason(world, ring):
    incident, _offender, second = ring
    actions_user = acting(world.owner)
    corrections.do_link_existing_incident(second, incident, actor=actions_user)
    url = reverse("casework:case-incident-unlink", args=[second.public_id])
    client = sign_in(world.owner)
    assert client.post(url, {"reason": ""}).status_code == 302
    assert Case.objects.get(pk=second.pk).incident == incident
    assert client.post(url, {"reason": "Không cùng đường dây"}).status_code == 302
    second.refresh_from_db()
    assert second.incident is None
    assert Incident.objects.get(pk=incident.pk).cases.get() == world.case
    line = second.events.get(kind=CaseEvent.Kind.INCIDENT_UNLINKED)
    assert line.sensitivity == SensitivityClass.INVESTIGATION and "Không cùng đường dây" in line.reason


def test_the_incident_page_lists_only_cases_the_user_may_see_and_counts_the_others(world, ring):
    incident, _offender, second = ring
    owner = acting(world.owner)
    corrections.do_link_existing_incident(second, incident, actor=owner)
    border = make_agency("t-border", "border_guard", "LCA")
    border_worker = acting(make_user("border.worker", border, Role.CASEWORKER))
    hidden = make_case(border, border_worker, name="Giàng Thị Dế")
    corrections.do_link_existing_incident(hidden, incident, actor=border_worker)

    url = reverse("casework:incident-detail", args=[incident.public_id])
    html = sign_in(world.owner).get(url).content.decode()
    assert world.case.reference in html and second.reference in html
    assert hidden.reference not in html and "Giàng Thị Dế" not in html
    assert 'data-testid="hidden-cases"' in html and "và 1 hồ sơ khác" in html
    assert world.case.person.full_name in html  # the owner holds identity
    (viewed,) = AuditEvent.objects.filter(actor=world.owner, action="view", object_type="incident")
    assert sorted(viewed.classes) == ["identity", "investigation"]  # the names were shown

    # The border worker sees the incident through its own case only.
    border_page = sign_in(border_worker).get(url).content.decode()
    assert hidden.reference in border_page and world.case.reference not in border_page

    # The shelter holds no `investigation`; the outsider nothing: both get 404 and a denied row.
    for user in (world.shelter, world.outsider):
        assert sign_in(user).get(url).status_code == 404
        assert AuditEvent.objects.filter(actor=user, action="denied", detail__incident=str(incident.public_id)).exists()


def test_an_incident_the_user_cannot_see_cannot_be_linked(world, ring):
    incident, _offender, _second = ring
    border = make_agency("t-border", "border_guard", "LCA")
    border_worker = make_user("border.worker", border, Role.CASEWORKER)
    own = make_case(border, acting(border_worker), name="Sùng Thị Mỷ")
    response = _link(sign_in(border_worker), own, incident)
    assert response.status_code == 400
    own.refresh_from_db()
    assert own.incident is None
    assert str(incident.public_id) not in response.content.decode()


def test_a_supervisor_may_read_but_not_correct_the_incident(world, ring):
    incident, _offender, _second = ring
    client = sign_in(world.supervisor)
    url = reverse("casework:case-incident-edit", args=[world.case.public_id])
    assert client.post(url, _incident_form(incident, stage="tried")).status_code == 403
    assert Incident.objects.get(pk=incident.pk).stage == "reported"
    assert AuditEvent.objects.filter(actor=world.supervisor, action="refused", detail__reason="authority").exists()
    assert client.get(reverse("casework:incident-detail", args=[incident.public_id])).status_code == 200


def test_the_incident_pages_query_count_does_not_grow_with_offenders(world, ring):
    incident, _offender, _second = ring
    client = sign_in(world.owner)
    edit = reverse("casework:case-incident-edit", args=[world.case.public_id])
    page = reverse("casework:incident-detail", args=[incident.public_id])
    few = (page_queries(client, edit)[0], page_queries(client, page)[0])
    for number in range(4):
        actions.do_add_offender(world.case, Offender(full_name=f"Đối tượng {number}"), actor=acting(world.owner))
    many = (page_queries(client, edit)[0], page_queries(client, page)[0])
    assert few == many
    assert many[0] <= 16 and many[1] <= 12
