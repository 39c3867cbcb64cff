"""Issue 16, in a real browser: on an 800-px tablet the header is one row with a menu button
(the menu opens and closes without Bootstrap's script), and on a 1366-px laptop at most two;
at both widths no page is wider than the window — wide tables scroll inside their
`.table-responsive` box — on the case list, a case page, the referral inbox, the shelter board
and the dashboard. Screenshots go to /tmp/shots/ui-*.png for a person to look at.
"""

import pathlib

import pytest
from playwright.sync_api import expect

from casework.models import Agency, Role
from referrals.actions import do_send_referral
from referrals.models import ReferralPurpose
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in
from tests.fixtures.personas import acting, make_agency, make_user
from tests.fixtures.shelters import make_facility, new_case

SHOTS = pathlib.Path("/tmp/shots")
TABLET = {"width": 800, "height": 1280}
LAPTOP = {"width": 1366, "height": 768}
# One row of the header (brand, language buttons, menu button) is about 56 px; two rows ~110.
ONE_ROW_PX = 72
TWO_ROWS_PX = 130


def _world():
    make_facility("e2e-ui-peace", "HN", beds=2)
    social = make_agency("e2e-ui-social", "social_protection", "LCA")
    police = make_agency("e2e-ui-police", "police", "LCA")
    worker = make_user("e2e.ui.worker", social, Role.CASEWORKER)
    make_user("e2e.ui.supervisor", social, Role.SUPERVISOR)
    police_worker = make_user("e2e.ui.police", police, Role.CASEWORKER)
    case = new_case(social, worker, name="Sùng Thị Mỷ")
    other = new_case(police, police_worker, name="Giàng Thị Pà")
    do_send_referral(
        other,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=social,
        from_agency=police,
        note="Cần hỗ trợ khẩn (minh họa)",
        urgent=True,
        actor=acting(police_worker),
    )
    return case


def _pages(case) -> dict[str, str]:
    return {
        "case-list": "/",
        "case": f"/cases/{case.public_id}/",
        "inbox": "/referrals/",
        "board": "/shelters/",
        "dashboard": "/dashboards/",
    }


def _check_page(page, base_url: str, name: str, path: str, width: int, header_limit: int) -> None:
    response = page.goto(base_url + path)
    assert response is not None and response.status == 200, (name, response and response.status)
    header = page.locator("[data-testid=site-header]").bounding_box()
    assert header is not None and header["height"] <= header_limit, (name, width, header)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (name, width, widths)
    page.screenshot(path=str(SHOTS / f"ui-{width}-{name}.png"), full_page=True)


@pytest.mark.browser
def test_header_collapses_and_pages_fit_at_800_and_1366(live_server, reference_data, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    case = _world()
    url = live_server.url

    tablet = new_page("tablet")
    tablet.set_viewport_size(TABLET)
    sign_in(tablet, url, "e2e.ui.supervisor")
    for name, path in _pages(case).items():
        _check_page(tablet, url, name, path, TABLET["width"], ONE_ROW_PX)

    # The menu button opens the collapsed menu and closes it again.
    toggle = tablet.locator("[data-testid=nav-toggle]")
    inbox_link = tablet.locator("[data-testid=inbox-link]")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(inbox_link).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(inbox_link).to_be_visible()
    expect(tablet.locator("[data-testid=active-agency]")).to_be_visible()
    tablet.screenshot(path=str(SHOTS / "ui-800-menu-open.png"))
    with tablet.expect_navigation():
        inbox_link.click()
    expect(tablet.locator("[data-testid=inbox]")).to_be_visible()
    expect(inbox_link).to_be_hidden()
    assert_clean(tablet)

    laptop = new_page("laptop")
    laptop.set_viewport_size(LAPTOP)
    sign_in(laptop, url, "e2e.ui.supervisor")
    for name, path in _pages(case).items():
        _check_page(laptop, url, name, path, LAPTOP["width"], TWO_ROWS_PX)
    expect(laptop.locator("[data-testid=nav-toggle]")).to_be_hidden()
    expect(laptop.locator("[data-testid=inbox-link]")).to_be_visible()
    assert_clean(laptop)


@pytest.mark.browser
def test_the_case_list_shows_all_its_columns_on_a_1280_px_screen(live_server, reference_data, new_page):
    """With every cell on one line the table was 1,612 px wide at 1280 and the date and the
    assignee were off screen (a tester). Names, status, agency and province now wrap."""
    case = _world()
    Agency.objects.filter(pk__in=[case.owning_agency_id]).update(name="Sở Y tế tỉnh Lào Cai (bảo trợ xã hội)")
    page = new_page("laptop")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server.url, "e2e.ui.supervisor")
    page.goto(live_server.url + "/")
    table, box = page.evaluate(
        "[document.querySelector('.case-table').scrollWidth, document.querySelector('.table-responsive').clientWidth]"
    )
    assert table <= box, (table, box)
    expect(page.locator(".case-table tbody tr").first.locator("td").nth(6)).to_be_in_viewport()
    assert_clean(page)
