"""End to end, in a real browser, with the second factor required: a caseworker's first
sign-in enrols an authenticator (QR code drawn on the page, key typed by hand here), shows the
recovery codes once, and the next sign-in needs a code from the authenticator; a recovery code
works once."""

import base64
import re

import pytest
from playwright.sync_api import expect

from casework.lib import totp
from casework.models import Role
from tests.e2e.conftest import assert_clean, save_screenshot
from tests.fixtures.personas import PASSWORD, make_agency, make_user


def password_step(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/sign-in/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has([name=password]) [type=submit]")


def sign_out(page) -> None:
    with page.expect_navigation():
        page.click("form[action='/sign-out/'] [type=submit]")


@pytest.mark.browser
def test_first_sign_in_enrols_then_codes_are_asked(live_server, reference_data, page, settings):
    settings.CAUNOI_REQUIRE_2FA = True
    police = make_agency("e2e-2fa-police", "police", "LCA")
    make_user("two.factor", police, Role.CASEWORKER)

    password_step(page, live_server.url, "two.factor")
    expect(page).to_have_url(re.compile(r"/sign-in/enrol/$"))
    expect(page.locator("[data-testid=enrol-qr] svg")).to_be_visible()
    save_screenshot(page, "two-factor-enrol")
    key = page.locator("[data-testid=enrol-secret]").inner_text().replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    page.fill("[name=code]", totp.code_for_step(secret, totp.step_at()))
    with page.expect_navigation():
        page.click("[data-testid=enrol-form] [type=submit]")
    codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    save_screenshot(page, "two-factor-recovery-codes")
    with page.expect_navigation():
        page.click("a.btn-primary")
    expect(page.locator("[data-testid=account-link]")).to_be_visible()
    assert_clean(page)

    # The next sign-in asks for a code from the authenticator: the next step's code (the
    # enrolment used this step's, and a used step is never accepted again).
    sign_out(page)
    password_step(page, live_server.url, "two.factor")
    expect(page).to_have_url(re.compile(r"/sign-in/code/$"))
    save_screenshot(page, "two-factor-code")
    page.fill("[name=code]", totp.code_for_step(secret, totp.step_at() + 1))
    with page.expect_navigation():
        page.click("[data-testid=second-factor-form] [type=submit]")
    expect(page.locator("[data-testid=account-link]")).to_be_visible()

    # Without the phone, a recovery code works once.
    sign_out(page)
    password_step(page, live_server.url, "two.factor")
    expect(page).to_have_url(re.compile(r"/sign-in/code/$"))
    page.fill("[name=code]", codes[0])
    with page.expect_navigation():
        page.click("[data-testid=second-factor-form] [type=submit]")
    expect(page.locator("[data-testid=account-link]")).to_be_visible()

    sign_out(page)
    password_step(page, live_server.url, "two.factor")
    page.fill("[name=code]", codes[0])
    with page.expect_navigation():
        page.click("[data-testid=second-factor-form] [type=submit]")
    expect(page).to_have_url(re.compile(r"/sign-in/code/$"))
    expect(page.locator(".alert-danger")).to_be_visible()
    assert_clean(page, allowed=(r"status of 401",))
