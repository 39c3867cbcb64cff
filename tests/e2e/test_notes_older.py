"""End to end, in a real browser: a caseworker opens a case with many notes, sees the newest,
and asks for the older ones until none is left; they arrive in place under the newest without
leaving the page (decision 313)."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import Role
from casework.views.cases import NOTES_PAGE, NOTES_SHOWN
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in
from tests.fixtures.personas import acting, make_agency, make_case, make_user
from tests.fixtures.timeline import with_notes


@pytest.mark.browser
def test_the_older_notes_arrive_under_the_newest(live_server, reference_data, new_page):
    police = make_agency("e2e-police", "police", "LCA")
    owner = acting(make_user("e2e.canbo", police, Role.CASEWORKER))
    case = make_case(police, owner, name="Người Thử Ghi Chú")
    with_notes(case, owner, police, 50)

    page = new_page("caseworker")
    sign_in(page, live_server.url, "e2e.canbo")
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    notes = page.locator("#notes [data-testid=note]")
    expect(notes).to_have_count(NOTES_SHOWN)
    expect(notes.first).to_contain_text("ghi chú thử 049")
    url = page.url
    page.click("[data-testid=notes-older] a")
    expect(notes).to_have_count(NOTES_SHOWN + NOTES_PAGE)
    expect(notes.nth(NOTES_SHOWN)).to_contain_text(f"ghi chú thử {49 - NOTES_SHOWN:03d}")
    page.click("[data-testid=notes-older] a")
    expect(notes).to_have_count(50)
    expect(page.locator("[data-testid=notes-older]")).to_have_count(0)
    assert page.url == url  # in place: the page was not left
    numbered = [int(found) for text in notes.all_inner_texts() for found in re.findall(r"ghi chú thử (\d{3})", text)]
    assert numbered == list(range(49, -1, -1))  # every note once, newest first
    assert_clean(page)
