"""The case page shows the newest timeline lines; the older ones come on demand (decision 311).

Before, the page read and rendered the newest 100 lines and nothing older was reachable at all.
"""

import re

import pytest

from casework.models import AuditEvent, SensitivityClass
from casework.views.cases import TIMELINE_PAGE, TIMELINE_SHOWN
from tests.fixtures.personas import acting, make_case, sign_in
from tests.fixtures.timeline import batches, older_link, refused, with_lines

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LINE = re.compile(r"dòng thử (\d{3})")


def numbers(html: str) -> list[int]:
    return [int(found) for found in LINE.findall(html)]


def test_the_page_shows_the_newest_lines_and_the_rest_page_by_page(world):
    with_lines(world.case, acting(world.owner), 150)
    client = sign_in(world.owner)
    page = client.get(f"/cases/{world.case.public_id}/").content.decode()
    seen = numbers(page)
    assert seen == list(range(149, 149 - TIMELINE_SHOWN, -1))
    fetched = batches(client, page, older_link, audited_as="timeline", case=world.case)
    seen += [number for batch in fetched for number in numbers(batch)]
    # Every line once, newest first, no gap: the registration's own lines follow the test's.
    assert seen == list(range(149, -1, -1))
    # A full read links on (the database may hold more), so a last, shorter one ends the walk.
    assert len(fetched) == (world.case.events.count() - TIMELINE_SHOWN) // TIMELINE_PAGE + 1


def test_a_short_timeline_has_no_link(world):
    with_lines(world.case, acting(world.owner), 5)
    page = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert numbers(page) == [4, 3, 2, 1, 0]
    assert older_link(page) is None


def test_lines_the_reader_may_not_read_are_skipped_on_every_page(world):
    """The shelter holds core, identity, health and shelter — never investigation."""
    owner = acting(world.owner)
    with_lines(world.case, owner, 30, sensitivity=SensitivityClass.INVESTIGATION, start=100)
    with_lines(world.case, owner, 30, start=0)
    client = sign_in(world.shelter)
    page = client.get(f"/cases/{world.case.public_id}/").content.decode()
    assert numbers(page + "".join(batches(client, page, older_link))) == list(range(29, -1, -1))
    owner_page = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert numbers(owner_page)[:3] == [129, 128, 127]


def test_without_javascript_the_link_opens_a_page(world):
    with_lines(world.case, acting(world.owner), 40)
    client = sign_in(world.owner)
    link = older_link(client.get(f"/cases/{world.case.public_id}/").content.decode())
    answer = client.get(link)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<html" in html and world.case.reference in html
    assert numbers(html) == list(range(39 - TIMELINE_SHOWN, -1, -1))


def test_a_line_of_another_case_or_no_line_is_404(world):
    other = make_case(world.police, acting(world.owner), name="Trần Thị Khác")
    with_lines(other, acting(world.owner), 3)
    foreign_line = other.events.first()
    client = sign_in(world.owner)
    url = f"/cases/{world.case.public_id}/timeline/"
    for query in (f"?before={foreign_line.pk}", "?before=abc", "", "?before=99999999", "?before=" + "9" * 30):
        assert refused(client, url + query, world.owner, world.case)  # and the try is on record


def test_someone_who_cannot_see_the_case_gets_404_and_a_denied_row(world):
    line = world.case.events.first()
    response = sign_in(world.outsider).get(f"/cases/{world.case.public_id}/timeline/?before={line.pk}", **HTMX)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=world.outsider).exists()
