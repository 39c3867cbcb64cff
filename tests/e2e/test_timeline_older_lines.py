"""End to end, in a real browser: a caseworker opens a case with a long history, sees its
newest lines, and asks twice for the older ones, which arrive in place under them without
leaving the page (decision 311)."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import Role
from casework.views.cases import TIMELINE_PAGE, TIMELINE_SHOWN
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in
from tests.fixtures.personas import acting, make_agency, make_case, make_user
from tests.fixtures.timeline import with_lines


@pytest.mark.browser
def test_the_older_timeline_lines_arrive_under_the_newest(live_server, reference_data, new_page):
    police = make_agency("e2e-police", "police", "LCA")
    owner = acting(make_user("e2e.canbo", police, Role.CASEWORKER))
    case = make_case(police, owner, name="Người Thử Dòng")
    with_lines(case, owner, 80)

    page = new_page("caseworker")
    sign_in(page, live_server.url, "e2e.canbo")
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    lines = page.locator("[data-testid=timeline] > li:not([data-testid=timeline-older])")
    expect(lines).to_have_count(TIMELINE_SHOWN)
    expect(lines.first).to_contain_text("dòng thử 079")
    url = page.url
    page.click("[data-testid=timeline-older] a")
    expect(lines).to_have_count(TIMELINE_SHOWN + TIMELINE_PAGE)
    expect(lines.nth(TIMELINE_SHOWN)).to_contain_text(f"dòng thử {79 - TIMELINE_SHOWN:03d}")
    page.click("[data-testid=timeline-older] a")
    expect(page.locator("[data-testid=timeline-older]")).to_have_count(0)
    expect(page.locator("[data-testid=timeline]")).to_contain_text("dòng thử 000")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("đã đăng ký hồ sơ")  # the first of all
    assert page.url == url  # in place: the page was not left
    numbered = [int(found) for text in lines.all_inner_texts() for found in re.findall(r"dòng thử (\d{3})", text)]
    assert numbered == list(range(79, -1, -1))  # every line once, newest first
    assert_clean(page)
