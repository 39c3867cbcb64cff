"""In a real browser: an htmx request that fails is never silent, and what was typed stays.

The case list's filter is an htmx form. The server's answer is replaced on the network (a 503
as during a database outage, a 500, then a dropped connection); each time the page must show the
reason above the form, keep the typed search, mark the rows already shown as the earlier ones,
and clear both once a request goes through again. An intake section saved while the server
answers 503 shows the error, keeps the text and no longer claims "Đã lưu lúc …" (decision 244).
"""

import re

import pytest
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from casework.models import Role
from shelters.models import Intake
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in, vietnamese
from tests.e2e.test_intake_unsaved_section import admitted_with_all_but_goals
from tests.fixtures.personas import acting, make_agency, make_case, make_user
from tests.fixtures.shelters import shelter_world  # noqa: F401 — fixture

pytestmark = pytest.mark.browser

UNAVAILABLE = "The service is unavailable for a moment, so nothing was saved or loaded. What you typed is still here: please try again in a few minutes."  # noqa: E501
SERVER = "An error on the server stopped this request, so nothing was saved or loaded. What you typed is still here: please try again."  # noqa: E501
STALE = "The list below still shows the earlier results, not those of this request."
UNSAVED = "Not confirmed as saved: see the message above."
OFFLINE = "No connection to the server, so nothing was saved or loaded. What you typed is still here: check the network and try again."  # noqa: E501


def filter_requests(route_url: str) -> re.Pattern:
    return re.compile(re.escape(route_url) + r"/\?.*q=")


def answering(answer: dict):
    def handler(route):
        route.fulfill(**answer)

    return handler


def test_a_failed_filter_says_why_and_keeps_the_search_and_the_rows(live_server, reference_data, new_page):
    police = make_agency("e2e-police", "police", "LCA")
    owner = make_user("e2e.canbo", police, Role.CASEWORKER)
    make_case(police, acting(owner))
    page = new_page("caseworker")
    sign_in(page, live_server.url, "e2e.canbo")
    page.goto(f"{live_server.url}/")
    rows = page.locator("#case-results tbody tr")
    expect(rows).to_have_count(1)
    error = page.locator("[data-testid=request-error]")
    search = page.locator("[name=q]")

    for answer, message in (({"status": 503, "body": "down"}, UNAVAILABLE), ({"status": 500, "body": "x"}, SERVER)):
        page.route(filter_requests(live_server.url), answering(answer))
        search.fill("Nguyễn Thị")
        with page.expect_response(filter_requests(live_server.url)):
            page.click(".case-filters [type=submit]")
        expect(error).to_contain_text(vietnamese(_(message)))
        expect(error).to_be_visible()
        expect(search).to_have_value("Nguyễn Thị")
        # The rows shown are the earlier ones: kept, but marked and said to be out of date.
        expect(rows).to_have_count(1)
        expect(page.locator("#case-results[data-stale]")).to_have_count(1)
        expect(error.locator("[data-testid=stale-note]")).to_have_text(vietnamese(_(STALE)))
        page.unroute(filter_requests(live_server.url))

    page.route(filter_requests(live_server.url), lambda route: route.abort("connectionrefused"))
    search.fill("Lò Thị")
    page.click(".case-filters [type=submit]")
    expect(error).to_contain_text(vietnamese(_(OFFLINE)))
    expect(search).to_have_value("Lò Thị")
    page.unroute(filter_requests(live_server.url))

    # The next request that goes through clears the message and shows its result.
    search.fill("")
    with page.expect_response(lambda response: response.url.startswith(f"{live_server.url}/?") and response.ok):
        page.click(".case-filters [type=submit]")
    expect(error).to_have_count(0)
    expect(rows).to_have_count(1)
    expect(page.locator("#case-results[data-stale]")).to_have_count(0)
    # The browser and htmx log the failed requests in the console; nothing else may appear.
    assert_clean(
        page,
        allowed=(
            r"Failed to load resource",
            r"net::ERR_",
            r"Response Status Error Code 50[03]",
            r"htmx:(afterRequest|sendError)",
        ),
    )


def test_a_failed_intake_section_save_never_says_saved_and_keeps_the_text(
    live_server,
    shelter_world,  # noqa: F811
    page,
):
    w = shelter_world
    stay = admitted_with_all_but_goals(w)
    intake = Intake.objects.get(stay=stay)
    before = dict(intake.sections)
    sign_in(page, live_server.url, "s.peace.worker")
    page.goto(f"{live_server.url}/shelters/stays/{stay.public_id}/intake/")
    goals = page.locator("[data-testid=section-goals]")
    belongings = page.locator("[data-testid=section-belongings]")
    expect(belongings.locator("[data-testid=saved-at]")).to_contain_text("Đã lưu lúc")  # saved earlier today

    section_url = re.compile(re.escape(f"{live_server.url}/shelters/stays/{stay.public_id}/intake/") + r".*belongings")
    page.route(section_url, answering({"status": 503, "body": "down"}))
    belongings.locator("[name=cash_vnd]").fill("250000")
    with page.expect_response(section_url):
        belongings.locator("button[type=submit]").click()
    error = belongings.locator("[data-testid=request-error]")
    expect(error).to_contain_text(vietnamese(_(UNAVAILABLE)))
    expect(belongings.locator("[name=cash_vnd]")).to_have_value("250000")
    saved_at = belongings.locator("[data-testid=saved-at]")
    expect(saved_at).to_have_text(vietnamese(_(UNSAVED)))
    expect(saved_at).not_to_contain_text("Đã lưu lúc")
    expect(goals.locator("[data-testid=request-error]")).to_have_count(0)
    intake.refresh_from_db()
    assert intake.sections == before  # nothing reached the server

    # Once the server answers again, the same button saves and says so.
    page.unroute(section_url)
    with page.expect_response(lambda response: "belongings" in response.url and response.ok):
        belongings.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=section-belongings] [data-testid=saved-at]")).to_contain_text("Đã lưu lúc")
    expect(page.locator("[data-testid=request-error]")).to_have_count(0)
    intake.refresh_from_db()
    assert intake.sections["belongings"]["cash_vnd"] == 250000
    assert_clean(page, allowed=(r"Failed to load resource", r"Response Status Error Code 503", r"htmx:afterRequest"))


def _goals_refused(page, base_url: str, stay, text: str, status: int):
    """The shelter worker types `text` into the goals section and saves; the answer is `status`.
    Returns the section."""
    sign_in(page, base_url, "s.peace.worker")
    page.goto(f"{base_url}/shelters/stays/{stay.public_id}/intake/")
    goals = page.locator("[data-testid=section-goals]")
    goals.locator("[name=goals]").fill(text)
    if status == 403:  # signed in again elsewhere: the form's token is no longer the session's
        page.context.clear_cookies(name="csrftoken")
    with page.expect_response(lambda response: "goals" in response.url and response.status == status):
        goals.locator("button[type=submit]").click()
    return goals


TOO_LARGE = "This is larger than the system accepts, so nothing was saved. What you typed is still here: shorten the longest text and try again."  # noqa: E501


def test_an_intake_section_too_large_to_send_says_so_and_keeps_the_text(
    live_server,
    shelter_world,  # noqa: F811
    page,
    settings,
):
    """Django refuses a body beyond DATA_UPLOAD_MAX_MEMORY_SIZE before any view. Its 400 used to
    be swapped in place of the section (htmx swaps a form's 400), replacing the text with an
    English "Bad Request (400)" heading; it is a 413 now, which htmx does not swap."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000
    w = shelter_world
    stay = admitted_with_all_but_goals(w)
    intake = Intake.objects.get(stay=stay)
    before = dict(intake.sections)
    text = "Em muốn học nghề may và về gần mẹ. " * 200
    goals = _goals_refused(page, live_server.url, stay, text, 413)
    expect(goals.locator("[data-testid=request-error]")).to_contain_text(vietnamese(_(TOO_LARGE)))
    expect(goals.locator("[name=goals]")).to_have_value(text)
    expect(page).not_to_have_title(re.compile("Bad Request"))
    intake.refresh_from_db()
    assert intake.sections == before
    assert_clean(page, allowed=(r"Failed to load resource", r"Response Status Error Code 413", r"htmx:afterRequest"))


EXPIRED = "This form has expired (you signed out or signed in again, perhaps in another tab), so nothing was saved. What you typed is still here: copy it if you need it, reload the page and save again."  # noqa: E501


def test_an_expired_form_under_htmx_says_so_and_go_back_has_somewhere_to_go(
    live_server,
    shelter_world,  # noqa: F811
    page,
    new_page,
):
    """A section saved after signing in again in another tab is refused by the CSRF check: the
    box says the form expired (not "you may no longer have access") and the text stays. The
    error pages' "Quay lại" in a tab with no history goes to the case list."""
    stay = admitted_with_all_but_goals(shelter_world)
    goals = _goals_refused(page, live_server.url, stay, "Học nghề may", 403)
    expect(goals.locator("[data-testid=request-error]")).to_contain_text(vietnamese(_(EXPIRED)))
    expect(goals.locator("[name=goals]")).to_have_value("Học nghề may")
    assert_clean(page, allowed=(r"Failed to load resource", r"Response Status Error Code 403", r"htmx:afterRequest"))

    fresh = new_page("fresh-tab")
    sign_in(fresh, live_server.url, "s.peace.worker")
    other = fresh.context.new_page()  # a tab of its own: nothing to go back to
    other.goto(f"{live_server.url}/account/sessions/abc/end/")
    expect(other.locator("[data-testid=method-not-allowed]")).to_be_visible()
    with other.expect_navigation():
        other.locator("[data-history-back]").click()
    assert other.url == f"{live_server.url}/"
