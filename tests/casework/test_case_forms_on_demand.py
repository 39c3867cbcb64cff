"""The consent and document forms of the case page are fetched when opened (decision 253): the
page carries a link, htmx swaps the form in, and without JavaScript the link is a page with
the form. The form's address answers like the case: 404 for a case not seen, 403 for an action
not allowed, each audited."""

import pytest

from casework.models import AuditEvent
from tests.fixtures.personas import sign_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def case_page(world) -> str:
    return f"/cases/{world.case.public_id}/"


@pytest.mark.parametrize(("name", "field"), [("consents", 'name="given_by"'), ("documents", 'name="file"')])
def test_the_case_page_links_the_form_and_the_link_gives_it(world, name, field):
    client = sign_in(world.owner)
    html = client.get(case_page(world)).content.decode()
    form_url = f"{case_page(world)}{name}/form/"
    assert f'hx-get="{form_url}"' in html and f'href="{form_url}"' in html
    assert field not in html
    # htmx: the form alone, posting where it always did.
    part = client.get(form_url, **HTMX)
    assert part.status_code == 200
    assert b"<html" not in part.content
    assert f'action="{case_page(world)}{name}/"' in part.content.decode() and field in part.content.decode()
    # Without JavaScript: a page with the form and the way back to the case.
    page = client.get(form_url)
    assert page.status_code == 200
    assert b"<html" in page.content and field in page.content.decode()
    assert f'href="{case_page(world)}#' in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, actor=world.owner, detail__form=name).count() == 2


def test_a_user_not_allowed_gets_a_403_and_one_who_cannot_see_the_case_a_404(world):
    supervisor = sign_in(world.supervisor)  # sees the case, records no consent
    assert f"{case_page(world)}consents/form/" not in supervisor.get(case_page(world)).content.decode()
    assert supervisor.get(f"{case_page(world)}consents/form/").status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, actor=world.supervisor).count() == 1
    outsider = sign_in(world.outsider)
    assert outsider.get(f"{case_page(world)}consents/form/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=world.outsider).count() == 1


def test_an_unknown_form_is_a_404(world):
    assert sign_in(world.owner).get(f"{case_page(world)}transition/form/").status_code == 404


# The action forms fetched when opened since decision 275: the state each needs, set on the
# world's case, and a field only that form has.
ACTION_FORMS = [
    ("identification", {"status": "identifying"}, 'name="authority"'),
    ("verification", {"verification_started_at": "now"}, 'name="concluded_at"'),
    ("offenders", {"incident": True}, 'name="role_in_process"'),
    ("return", {"abroad": True}, 'name="returned_on"'),
    ("assign", {}, 'name="user"'),
]


def put_case_in(world, client, state: dict) -> None:
    from django.utils import timezone

    from casework.models import Case

    if state.pop("incident", False):
        assert client.post(f"{case_page(world)}incident/", {"summary": "VA-1"}).status_code == 302
    if state.get("verification_started_at") == "now":
        state["verification_started_at"] = timezone.now()
    Case.objects.filter(pk=world.case.pk).update(**state)


@pytest.mark.parametrize(("name", "state", "field"), ACTION_FORMS)
def test_each_action_form_is_offered_closed_and_given_when_opened(world, name, state, field):
    client = sign_in(world.owner)
    put_case_in(world, client, dict(state))
    html = client.get(case_page(world)).content.decode()
    form_url = f"{case_page(world)}{name}/form/"
    assert f'hx-get="{form_url}"' in html and f'data-form="{name}"' in html
    assert field not in html
    part = client.get(form_url, **HTMX)
    assert part.status_code == 200 and b"<html" not in part.content
    assert f'action="{case_page(world)}{name}/"' in part.content.decode() and field in part.content.decode()
    page = client.get(form_url)
    assert page.status_code == 200 and b"<html" in page.content and field in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, actor=world.owner, detail__form=name).count() == 2


@pytest.mark.parametrize(("name", "state", "field"), ACTION_FORMS)
def test_an_action_form_of_a_case_not_seen_is_a_404(world, name, state, field):
    put_case_in(world, sign_in(world.owner), dict(state))
    outsider = sign_in(world.outsider)
    assert outsider.get(f"{case_page(world)}{name}/form/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=world.outsider).count() == 1


@pytest.mark.parametrize("name", ["identification", "verification", "offenders", "return"])
def test_a_form_with_nothing_to_record_in_this_state_is_neither_offered_nor_given(world, name):
    client = sign_in(world.owner)
    assert f"{case_page(world)}{name}/form/" not in client.get(case_page(world)).content.decode()
    assert client.get(f"{case_page(world)}{name}/form/").status_code == 404
