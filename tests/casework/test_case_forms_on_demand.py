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
