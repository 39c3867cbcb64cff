"""In a real browser: an htmx request that fails is never silent, and what was typed stays.

The case list's filter is an htmx form. The server's answer is replaced on the network (a 503
as during a database outage, a 500, then a dropped connection); each time the page must show the
reason above the form, keep the typed search and the rows already shown, and clear the message
once a request goes through again.
"""

import re

import pytest
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from casework.models import Role
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in, vietnamese
from tests.fixtures.personas import acting, make_agency, make_case, make_user

pytestmark = pytest.mark.browser

UNAVAILABLE = "The service is unavailable for a moment, so nothing was saved or loaded. What you typed is still here: please try again in a few minutes."  # noqa: E501
SERVER = "An error on the server stopped this request, so nothing was saved or loaded. What you typed is still here: please try again."  # noqa: E501
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
        expect(error).to_have_text(vietnamese(_(message)))
        expect(error).to_be_visible()
        expect(search).to_have_value("Nguyễn Thị")
        expect(rows).to_have_count(1)
        page.unroute(filter_requests(live_server.url))

    page.route(filter_requests(live_server.url), lambda route: route.abort("connectionrefused"))
    search.fill("Lò Thị")
    page.click(".case-filters [type=submit]")
    expect(error).to_have_text(vietnamese(_(OFFLINE)))
    expect(search).to_have_value("Lò Thị")
    page.unroute(filter_requests(live_server.url))

    # The next request that goes through clears the message and shows its result.
    search.fill("")
    with page.expect_response(lambda response: response.url.startswith(f"{live_server.url}/?") and response.ok):
        page.click(".case-filters [type=submit]")
    expect(error).to_have_count(0)
    expect(rows).to_have_count(1)
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
