"""End to end, in a real browser: an agency administrator invites a caseworker; the invitee
opens the link from the e-mail, chooses a password, signs in and sees her agency's cases.

The invitation e-mail is queued on commit and sent by Celery, eagerly in the live server's
thread, into Django's test mailbox (`django.core.mail.outbox`, shared by this process)."""

import re

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from casework.models import Role, User
from tests.e2e.conftest import assert_clean, save_screenshot
from tests.fixtures.personas import PASSWORD, acting, make_agency, make_case, make_user

NEW_PASSWORD = "sông Hồng chảy về xuôi 42"


def vietnamese(text: str) -> str:
    with translation.override("vi"):
        return str(translation.gettext(text))


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/sign-in/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", password)
    with page.expect_navigation():
        page.click("form:has([name=password]) [type=submit]")
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


@pytest.mark.browser
def test_an_admin_invites_a_caseworker_who_sets_a_password_and_signs_in(
    live_server, reference_data, new_page, eager_celery
):
    police = make_agency("e2e-colleagues-police", "police", "LCA")
    make_user("police.admin", police, Role.AGENCY_ADMIN)
    owner = make_user("police.owner", police, Role.CASEWORKER)
    case = make_case(police, acting(owner))

    admin = new_page("admin")
    sign_in(admin, live_server.url, "police.admin", PASSWORD)
    admin.goto(live_server.url + "/account/colleagues/")
    with admin.expect_navigation():
        admin.click("[data-testid=invite-colleague]")
    admin.fill("[name=full_name]", "Lò Thị Hoa")
    admin.fill("[name=username]", "hoa.lo")
    admin.fill("[name=email]", "hoa.lo@example.org")
    admin.select_option("[name=role]", Role.CASEWORKER)
    save_screenshot(admin, "colleagues-invite")
    with admin.expect_navigation():
        admin.click("[data-testid=invite-form] [type=submit]")
    expect(admin.locator("[data-testid=pending-invitation]")).to_be_visible()
    expect(admin.locator("[data-testid=membership-caseworker]")).to_contain_text(vietnamese("caseworker"))
    save_screenshot(admin, "colleagues-colleague")
    assert_clean(admin)

    [message] = mail.outbox
    assert message.to == ["hoa.lo@example.org"]
    link = re.search(r"https?://\S+/invitation/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)

    invitee = new_page("invitee")
    invitee.goto(link)
    expect(invitee.locator("[data-testid=invitation-username]")).to_contain_text("hoa.lo")
    invitee.fill("[name=new_password1]", NEW_PASSWORD)
    invitee.fill("[name=new_password2]", NEW_PASSWORD)
    save_screenshot(invitee, "colleagues-invitation")
    with invitee.expect_navigation():
        invitee.click("[data-testid=invitation-form] [type=submit]")
    with invitee.expect_navigation():
        invitee.click("[data-testid=invitation-sign-in]")
    invitee.fill("[name=username]", "hoa.lo")
    invitee.fill("[name=password]", NEW_PASSWORD)
    with invitee.expect_navigation():
        invitee.click("form:has([name=password]) [type=submit]")
    expect(invitee).not_to_have_url(re.compile(r"/sign-in/"))
    invitee.goto(live_server.url + "/")
    expect(invitee.locator("main h1")).to_have_text(vietnamese("Cases"))
    expect(invitee.locator("#case-results")).to_contain_text(case.reference)
    save_screenshot(invitee, "colleagues-invitee-case-list")
    assert_clean(invitee)
    assert User.objects.get(username="hoa.lo").check_password(NEW_PASSWORD)

    # The link works once.
    again = new_page("again")
    again.goto(link)
    expect(again.locator("[data-testid=invitation-link-invalid]")).to_be_visible()
