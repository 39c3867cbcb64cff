"""How far the proceedings against an offender went (decision 94): recorded with the offender,
moved on from the case page, audited, and never on an offender of another incident."""

from django.conf import settings
from django.contrib.messages import get_messages

from casework import actions
from casework.models import AuditEvent, CaseEvent, Offender
from tests.fixtures.personas import acting, make_case, sign_in


def _client(user):
    client = sign_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(case) -> str:
    return f"/cases/{case.public_id}/offenders/"


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_offender_is_recorded_with_a_stage_and_moved_on(world):
    client = _client(world.owner)
    assert client.post(f"/cases/{world.case.public_id}/incident/", {"summary": "VA-1"}).status_code == 302
    data = {"full_name": "Đối tượng A", "sex": "male", "role_in_process": "Recruiter"}
    data |= {"relation_to_victim": "Stranger", "stage": "arrested"}
    assert client.post(_url(world.case), data).status_code == 302
    offender = Offender.objects.get()
    assert offender.stage == Offender.Stage.ARRESTED
    page = client.get(f"/cases/{world.case.public_id}/").content.decode()
    assert 'data-testid="offender-stage-form"' in page and "arrested" in page
    events = CaseEvent.objects.filter(case=world.case).count()
    response = client.post(_url(world.case), {"offender": offender.pk, "stage": "convicted"})
    assert response.status_code == 302 and "Stage of the proceedings recorded." in _messages(response)
    offender.refresh_from_db()
    assert offender.stage == Offender.Stage.CONVICTED
    assert CaseEvent.objects.filter(case=world.case).count() == events + 1
    audit = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(offender.pk)).get()
    assert audit.detail == {"stage": ["arrested", "convicted"]}


def test_an_offender_of_another_incident_is_refused_and_unchanged(world):
    other = make_case(world.police, acting(world.owner), name="Lò Thị Ca")
    actions.do_link_incident(other, None, actor=world.owner, agency=world.police, summary="other")
    other.refresh_from_db()
    foreign = actions.do_add_offender(other, Offender(full_name="B", stage=Offender.Stage.ARRESTED), actor=world.owner)
    actions.do_link_incident(world.case, None, actor=world.owner, agency=world.police, summary="mine")
    response = _client(world.owner).post(_url(world.case), {"offender": foreign.pk, "stage": "convicted"})
    assert response.status_code == 302
    assert any("valid choice" in text for text in _messages(response))
    foreign.refresh_from_db()
    assert foreign.stage == Offender.Stage.ARRESTED


def test_a_shelter_without_the_investigation_cannot_set_a_stage(world):
    actions.do_link_incident(world.case, None, actor=world.owner, agency=world.police, summary="mine")
    world.case.refresh_from_db()
    offender = actions.do_add_offender(world.case, Offender(full_name="C"), actor=world.owner)
    response = sign_in(world.shelter).post(_url(world.case), {"offender": offender.pk, "stage": "convicted"})
    assert response.status_code in (403, 404)
    offender.refresh_from_db()
    assert offender.stage == ""
