"""A refused action on the case page says why inside the section whose form was used.

The browser returns to the section (#status); a message at the top of the page would be out of
view. Messages that are not refusals (a success) stay at the top as on every page.
"""

import re

from casework.models import CaseStatus
from tests.fixtures.personas import sign_in


def _messages(html: str, where: str) -> list[str]:
    if where == "top":
        block = re.search(r'<div class="messages">(.*?)\n</div>', html, re.S)
    else:
        block = re.search(rf'<section class="card mb-3" id="{where}">(.*?)</section>', html, re.S)
    return re.findall(r'data-testid="message">(.*?)</div>', block.group(1) if block else "")


def test_a_refused_move_is_explained_in_the_status_section_not_at_the_top(world):
    client = sign_in(world.owner)
    response = client.post(f"/cases/{world.case.public_id}/transition/", {"status": CaseStatus.CLOSED, "reason": "  "})
    assert response.status_code == 302
    assert response["Location"].endswith("?section=status#status")
    page = client.get(response["Location"]).content.decode()
    in_section = _messages(page, "status")
    assert len(in_section) == 1 and "Lý do" in in_section[0]
    assert _messages(page, "top") == []
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.REPORTED


def test_a_rule_refusal_is_shown_in_the_section_and_a_success_at_the_top(world):
    client = sign_in(world.owner)
    url = f"/cases/{world.case.public_id}/transition/"
    refused = client.post(url, {"status": CaseStatus.IDENTIFIED, "reason": "skip verification"}, follow=True)
    page = refused.content.decode()
    assert len(_messages(page, "status")) == 1
    assert _messages(page, "top") == []
    done = client.post(url, {"status": CaseStatus.VERIFYING, "reason": "start"}, follow=True).content.decode()
    assert _messages(done, "status") == []
    assert len(_messages(done, "top")) == 1


def test_an_unknown_section_in_the_address_changes_nothing(world):
    client = sign_in(world.owner)
    page = client.get(f"/cases/{world.case.public_id}/?section=<script>")
    assert page.status_code == 200
    assert "<script>" not in page.content.decode().split("<main", 1)[1].split("</main>")[0]
