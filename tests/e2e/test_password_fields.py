"""Password fields in a real browser (ASVS 2.1.12, 2.1.8): a button shows and hides what was
typed, and a new password gets a strength estimate as it is typed; no console or CSP errors."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import Role
from tests.e2e.conftest import assert_clean, save_screenshot
from tests.e2e.test_case_registration import sign_in
from tests.fixtures.personas import make_agency, make_user


@pytest.mark.browser
def test_show_password_and_the_strength_estimate(live_server, reference_data, page):
    police = make_agency("e2e-pw-police", "police", "LCA")
    make_user("pw.caseworker", police, Role.CASEWORKER)

    page.goto(f"{live_server.url}/sign-in/")
    password = page.locator("[name=password]")
    password.fill("một mật khẩu")
    toggle = page.locator("[data-testid=password-toggle]")
    expect(toggle).to_have_text("Hiện mật khẩu")
    toggle.click()
    expect(password).to_have_attribute("type", "text")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(password).to_have_attribute("type", "password")
    expect(page.locator("[data-testid=password-strength]")).to_have_count(0)  # signing in, not choosing

    sign_in(page, live_server.url, "pw.caseworker")
    page.goto(f"{live_server.url}/account/password/")
    expect(page.locator("[data-testid=password-toggle]")).to_have_count(3)
    meter = page.locator("[data-testid=password-strength]")
    expect(meter).to_have_count(1)
    new = page.locator("[name=new_password1]")
    for typed, score, words in (
        ("ngắn", "0", "Quá ngắn"),
        ("123456789012", "1", "Yếu"),
        ("sông hồng đỏ nặng phù sa", "3", "Khá"),
        ("Sông Hồng đỏ nặng phù sa 2026", "4", "Mạnh"),
    ):
        new.fill(typed)
        expect(meter).to_have_attribute("data-score", score)
        expect(meter).to_contain_text(re.compile(words))
    save_screenshot(page, "password-change-strength")
    assert_clean(page)
