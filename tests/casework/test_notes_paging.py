"""The case page shows the newest notes; the older ones come on demand (decision 313).

Before, the page read every note of the case, in every class, and rendered those the reader
holds: a case worked on for years (or the bench's load, which adds hundreds) grew without end.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import AuditEvent, SensitivityClass
from casework.views.cases import NOTES_PAGE, NOTES_SHOWN
from tests.fixtures.personas import make_case, sign_in
from tests.fixtures.timeline import batches, notes_older_link, refused, with_notes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOTE = re.compile(r"ghi chú thử (\d{3})")


def numbers(html: str) -> list[int]:
    return [int(found) for found in NOTE.findall(html)]


def test_the_page_shows_the_newest_notes_and_the_rest_page_by_page(world):
    with_notes(world.case, world.owner, world.police, 80)
    client = sign_in(world.owner)
    page = client.get(f"/cases/{world.case.public_id}/").content.decode()
    seen = numbers(page)
    assert seen == list(range(79, 79 - NOTES_SHOWN, -1))
    fetched = batches(client, page, notes_older_link, audited_as="notes", case=world.case)
    seen += [number for batch in fetched for number in numbers(batch)]
    assert seen == list(range(79, -1, -1))  # every note once, newest first, no gap
    # A page links on only when an older note exists: no request comes back empty.
    assert len(fetched) == -(-(80 - NOTES_SHOWN) // NOTES_PAGE)


def test_notes_written_in_the_same_instant_are_neither_lost_nor_repeated(world):
    with_notes(world.case, world.owner, world.police, 30)
    world.case.notes.update(created_at=world.case.notes.first().created_at)
    client = sign_in(world.owner)
    page = client.get(f"/cases/{world.case.public_id}/").content.decode()
    seen = numbers(page + "".join(batches(client, page, notes_older_link)))
    assert sorted(seen) == list(range(30)) and len(seen) == 30


def test_a_few_notes_have_no_link(world):
    with_notes(world.case, world.owner, world.police, NOTES_SHOWN)
    page = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert numbers(page) == list(range(NOTES_SHOWN - 1, -1, -1))
    assert notes_older_link(page) is None


def test_notes_the_reader_may_not_read_are_neither_shown_nor_counted(world):
    """The shelter holds core, identity, health and shelter — never investigation. The newest
    notes are investigation notes: the shelter's page still shows its NOTES_SHOWN newest."""
    with_notes(world.case, world.owner, world.police, 40, sensitivity=SensitivityClass.INVESTIGATION, start=100)
    with_notes(world.case, world.owner, world.police, 30, start=0)
    client = sign_in(world.shelter)
    page = client.get(f"/cases/{world.case.public_id}/").content.decode()
    assert numbers(page) == list(range(29, 29 - NOTES_SHOWN, -1))
    assert numbers(page + "".join(batches(client, page, notes_older_link))) == list(range(29, -1, -1))
    owner_page = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert numbers(owner_page)[:3] == [139, 138, 137]


def test_the_page_reads_only_the_notes_it_shows(world):
    with_notes(world.case, world.owner, world.police, 300)
    client = sign_in(world.owner)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/cases/{world.case.public_id}/").status_code == 200
    reads = [query["sql"] for query in queries if 'FROM "casework_note"' in query["sql"]]
    assert len(reads) == 1
    assert f"LIMIT {NOTES_SHOWN + 1}" in reads[0] and '"sensitivity" IN' in reads[0]


def test_without_javascript_the_link_opens_a_page(world):
    with_notes(world.case, world.owner, world.police, 20)
    client = sign_in(world.owner)
    link = notes_older_link(client.get(f"/cases/{world.case.public_id}/").content.decode())
    answer = client.get(link)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<html" in html and world.case.reference in html
    assert numbers(html) == list(range(19 - NOTES_SHOWN, -1, -1))


def test_a_note_of_another_case_an_unreadable_note_or_no_note_is_404(world):
    other = make_case(world.police, world.owner, name="Trần Thị Khác")
    with_notes(other, world.owner, world.police, 1)
    with_notes(world.case, world.owner, world.police, 1, sensitivity=SensitivityClass.INVESTIGATION)
    foreign = other.notes.get()
    unreadable = world.case.notes.get()
    url = f"/cases/{world.case.public_id}/notes/older/"
    owner, shelter = sign_in(world.owner), sign_in(world.shelter)
    for query in (f"?before={foreign.pk}", "?before=abc", "", "?before=99999999", "?before=" + "9" * 30):
        assert refused(owner, url + query, world.owner, world.case)
    assert owner.get(url + f"?before={unreadable.pk}").status_code == 200
    # The shelter may not tell an investigation note from no note at all; the try is on record.
    assert refused(shelter, url + f"?before={unreadable.pk}", world.shelter, world.case)


def test_someone_who_cannot_see_the_case_gets_404_and_a_denied_row(world):
    with_notes(world.case, world.owner, world.police, 1)
    note = world.case.notes.get()
    response = sign_in(world.outsider).get(f"/cases/{world.case.public_id}/notes/older/?before={note.pk}", **HTMX)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=world.outsider).exists()
