"""Every action form of the case page shows its refusal inside its own section (issue 16):
the browser comes back at that section, so a message at the top of the page would be out of
view. One invalid post per form, as the page's forms send them."""

import re

import pytest

from tests.casework.test_case_page_messages import _messages
from tests.fixtures.personas import sign_in

# (who, action address under the case, what is posted, the section whose form it is)
ACTIONS = [
    ("owner", "transition/", {"status": "closed", "reason": " "}, "status"),
    ("owner", "notes/", {"text": ""}, "notes"),
    ("owner", "consents/withdraw/", {"consent": "nonsense"}, "consent"),
    ("owner", "incident/", {"criminal_case_number": "9" * 61}, "investigation"),
    ("owner", "offenders/", {"offender": "0", "stage": "nonsense"}, "investigation"),
    ("owner", "incident/unlink/", {"reason": ""}, "investigation"),
    # The case has no tasks: the section is shown for the refusal all the same.
    ("owner", "tasks/", {"task": "999", "outcome": "gọi điện"}, "tasks"),
]
# The forms fetched on demand (decision 330): a refusal shows the form again on its own page,
# as typed, with the errors beside the fields or the rule's reason at the top.
ON_DEMAND = [
    ("owner", "documents/", {"title": "Biên bản", "kind": "other"}, "documents", "Biên bản"),
    ("owner", "consents/", {"purpose": "Tư vấn pháp lý"}, "consent", "Tư vấn pháp lý"),
    ("owner", "offenders/", {"full_name": "Đối tượng X", "role": "nonsense"}, "investigation", "Đối tượng X"),
    ("supervisor", "assign/", {"user": "0"}, "assign", None),
]


@pytest.mark.parametrize(("who", "action", "data", "section"), ACTIONS)
def test_a_refused_case_action_is_explained_inside_its_section(world, who, action, data, section):
    client = sign_in(getattr(world, who))
    response = client.post(f"/cases/{world.case.public_id}/{action}", data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == f"/cases/{world.case.public_id}/?section={section}#{section}"
    page = client.get(response["Location"]).content.decode()
    assert _messages(page, section), re.findall(r'data-testid="message">(.*?)</div>', page)
    assert _messages(page, "top") == []


@pytest.mark.parametrize(("who", "action", "data", "section", "typed"), ON_DEMAND)
def test_a_refused_on_demand_form_comes_back_as_typed_on_its_own_page(world, who, action, data, section, typed):
    client = sign_in(getattr(world, who))
    response = client.post(f"/cases/{world.case.public_id}/{action}", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'action="/cases/{world.case.public_id}/{action}"' in page  # the form itself, to post again
    assert f'href="/cases/{world.case.public_id}/#{section}"' in page  # and the way back to its section
    assert 'class="invalid-feedback d-block"' in page or _messages(page, "top")
    if typed:
        assert typed in page


def test_unlinking_an_incident_without_a_reason_is_refused_on_the_case_page_not_the_incident_page(world):
    client = sign_in(world.owner)
    case_url = f"/cases/{world.case.public_id}/"
    assert client.post(case_url + "incident/", {"criminal_case_number": "12/2026"}, follow=True).status_code == 200
    world.case.refresh_from_db()
    assert world.case.incident_id is not None
    response = client.post(case_url + "incident/unlink/", {"reason": "  "})
    assert response["Location"] == f"{case_url}?section=investigation#investigation"
    page = client.get(response["Location"]).content.decode()
    assert len(_messages(page, "investigation")) == 1 and _messages(page, "top") == []
    world.case.refresh_from_db()
    assert world.case.incident_id is not None


def test_the_incident_editor_of_a_case_without_an_incident_says_so_in_the_investigation_section(world):
    client = sign_in(world.owner)
    response = client.get(f"/cases/{world.case.public_id}/incident/edit/")
    assert response["Location"] == f"/cases/{world.case.public_id}/?section=investigation#investigation"
    page = client.get(response["Location"]).content.decode()
    assert len(_messages(page, "investigation")) == 1 and _messages(page, "top") == []
