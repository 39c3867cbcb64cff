"""In a real browser: the session ends while a caseworker is on the second step of the new-case
wizard. She presses "Tiếp tục", signs in again, and is back on that step with both what the
server kept (the first step, in the draft) and what it never received (the second step, put
back by the page from the tab's sessionStorage) — issue 16, decisions 196 and 197."""

import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import expect

from casework.middleware import SESSION_LAST_ACTION_KEY
from casework.models import Case, Draft, Province, Role, Sex
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in, submit
from tests.fixtures.personas import PASSWORD, make_agency, make_user

PERSON_NAME = "Vàng Thị Dua"  # fictional
PLACE = "Cửa khẩu Quốc tế Lào Cai"


def end_session_while_idle(page) -> None:
    """As if the caseworker had left the tablet for longer than the idle limit: the server's
    session records its last action before the limit (SessionLimitMiddleware)."""
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=cookie["value"])
    session[SESSION_LAST_ACTION_KEY] = time.time() - settings.SESSION_IDLE_SECONDS - 60
    session.save()


@pytest.mark.browser
def test_a_session_ending_mid_wizard_loses_nothing(live_server, reference_data, page):
    police = make_agency("e2e-police-draft", "police", "LCA")
    user = make_user("draft.caseworker", police, Role.CASEWORKER)
    lao_cai = Province.objects.get(code="LCA")
    received_at = timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")

    sign_in(page, live_server.url, "draft.caseworker")
    page.goto(f"{live_server.url}/cases/new/")
    expect(page).to_have_url(re.compile(r"/cases/new/person/$"))
    page.fill("[name=full_name]", PERSON_NAME)
    page.select_option("[name=sex]", Sex.FEMALE)
    page.fill("[name=birth_year]", "2002")
    page.select_option("[name=home_province]", str(lao_cai.pk))
    submit(page, "button[name=next]")
    expect(page).to_have_url(re.compile(r"/cases/new/facts/$"))
    expect(page.locator("[data-testid=wizard-draft]")).to_be_visible()

    # The second step is typed, then the session ends before "Tiếp tục" is pressed.
    page.select_option("[name=came_to_notice]", "border_handover")
    page.fill("[name=received_at]", received_at)
    page.select_option("[name=reception_province]", str(lao_cai.pk))
    page.fill("[name=reception_place]", PLACE)
    end_session_while_idle(page)
    submit(page, "button[name=next]")

    # The sign-in page says the step was not saved and keeps where she was.
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=%2Fcases%2Fnew%2Ffacts%2F$"))
    expect(page.locator("[data-testid=message]")).to_contain_text("trước khi nội dung này được lưu")
    page.fill("[name=username]", "draft.caseworker")
    page.fill("[name=password]", PASSWORD)
    submit(page, "form:has([name=password]) [type=submit]")

    # Back on the second step, with the message and everything typed.
    expect(page).to_have_url(re.compile(r"/cases/new/facts/$"))
    expect(page.locator("[data-testid=message]")).to_contain_text("Bản nháp của bạn đã được giữ lại")
    expect(page.locator("[data-testid=typed-restored]")).to_be_visible()
    expect(page.locator("[name=reception_place]")).to_have_value(PLACE)
    expect(page.locator("[name=received_at]")).to_have_value(received_at)
    expect(page.locator("[name=came_to_notice]")).to_have_value("border_handover")
    submit(page, "button[name=next]")

    expect(page).to_have_url(re.compile(r"/cases/new/review/$"))
    expect(page.locator("main")).to_contain_text(PERSON_NAME)
    expect(page.locator("main")).to_contain_text(PLACE)
    submit(page, "button[name=create]")
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    case = Case.objects.get(person__full_name=PERSON_NAME)
    assert case.reception_place == PLACE
    assert not Draft.objects.filter(user=user).exists()
    # Nothing typed is left in the tab once the server has it.
    assert page.evaluate("Object.keys(window.sessionStorage).filter(k => k.startsWith('caunoi-typed:'))") == []
    assert_clean(page)


@pytest.mark.browser
def test_a_step_typed_when_the_page_blanks_for_idleness_comes_back_after_sign_in(live_server, reference_data, page):
    police = make_agency("e2e-police-idle", "police", "LCA")
    make_user("idle.caseworker", police, Role.CASEWORKER)
    page.clock.install()
    sign_in(page, live_server.url, "idle.caseworker")
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("[name=full_name]", PERSON_NAME)
    page.fill("[name=birth_year]", "2002")

    # Nothing was sent: the server has no draft; the page blanks and the session ends.
    end_session_while_idle(page)
    page.clock.run_for((settings.SESSION_IDLE_SECONDS + 10) * 1000)
    notice = page.locator("[data-testid=idle-notice]")
    expect(notice).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(PERSON_NAME)
    submit(page, "[data-testid=idle-notice] a")

    expect(page).to_have_url(re.compile(r"/sign-in/\?next=%2Fcases%2Fnew%2Fperson%2F$"))
    page.fill("[name=username]", "idle.caseworker")
    page.fill("[name=password]", PASSWORD)
    submit(page, "form:has([name=password]) [type=submit]")
    expect(page).to_have_url(re.compile(r"/cases/new/person/$"))
    expect(page.locator("[data-testid=typed-restored]")).to_be_visible()
    expect(page.locator("[name=full_name]")).to_have_value(PERSON_NAME)
    expect(page.locator("[name=birth_year]")).to_have_value("2002")
    assert_clean(page)
