"""An unattended shelter tablet: after the idle limit the facility page blanks the residents'
names and asks to sign in again, although the bed grid keeps polling (static/js/idle.js)."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from shelters import actions
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in
from tests.fixtures.personas import acting
from tests.fixtures.shelters import new_case, place, shelter_world  # noqa: F401 — fixture

NAME = "Lò Thị Mai"


@pytest.mark.browser
def test_the_facility_page_blanks_names_after_the_idle_limit(live_server, shelter_world, page):  # noqa: F811
    w = shelter_world
    case = new_case(w.social, w.social_worker, name=NAME)
    place(case, w)
    actions.do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )
    page.clock.install()
    sign_in(page, live_server.url, "s.peace.worker")
    page.goto(f"{live_server.url}/shelters/{w.facility.code}/")
    expect(page.locator("[data-testid=residents]")).to_contain_text(NAME)

    # 29 minutes of polling only: still shown.
    page.clock.run_for((settings.SESSION_IDLE_SECONDS - 60) * 1000)
    expect(page.locator("[data-testid=residents]")).to_contain_text(NAME)
    page.clock.run_for(2 * 60 * 1000)
    notice = page.locator("[data-testid=idle-notice]")
    expect(notice).to_contain_text("Vui lòng đăng nhập lại")
    expect(page.locator("body")).not_to_contain_text(NAME)
    expect(page.locator("body")).not_to_contain_text(w.shelter_worker.full_name)
    # The sign-in link brings her back to this page (decision 197).
    expect(notice.locator("a")).to_have_attribute("href", f"/sign-in/?next=/shelters/{w.facility.code}/")
    assert_clean(page)
