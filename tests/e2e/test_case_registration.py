"""End to end, in a real browser: a police caseworker signs in, registers a victim through the
three-step wizard, moves the case to identification and records the decision; an unrelated
Women's Union worker then cannot open the case or find the person.

Selectors are form field names, button names and data-testid attributes; translated text is
only used where the test deliberately checks the Vietnamese interface.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from casework.models import Case, CaseEvent, CaseStatus, LegalRegime, PersonStatus, Province, Role, Sex
from tests.e2e.conftest import assert_clean, reveal_in_menu, save_screenshot
from tests.fixtures.personas import PASSWORD, make_agency, make_user

PERSON_NAME = "Lò Thị Sua"  # fictional
CASE_URL = re.compile(r"/cases/[0-9a-f-]{36}/$")


def vietnamese(label) -> str:
    with translation.override("vi"):
        return str(label)


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url)
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has([name=password]) [type=submit]")
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


def submit(page, selector: str) -> None:
    reveal_in_menu(page, selector)
    with page.expect_navigation():
        page.click(selector)


def change_status(page, status: str, reason: str) -> None:
    form = page.locator("[data-testid=transition-form]")
    form.locator("select[name=status]").select_option(status)
    form.locator("textarea[name=reason]").fill(reason)
    submit(page, "[data-testid=transition-form] [type=submit]")
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}/(\?section=status)?(#status)?$"))
    expect(page.locator("[data-testid=case-status]")).to_have_text(vietnamese(CaseStatus(status).label))


@pytest.mark.browser
def test_police_register_and_identify_a_victim_unrelated_agency_sees_nothing(
    live_server, reference_data, new_page, page
):
    police = make_agency("e2e-police-lca", "police", "LCA")
    union = make_agency("e2e-union-hn", "womens_union", "HN")
    make_user("police.caseworker", police, Role.CASEWORKER)
    make_user("union.worker", union, Role.SHELTER_STAFF)
    lao_cai = Province.objects.get(code="LCA")
    now = timezone.localtime()
    received_at = (now - datetime.timedelta(days=2)).replace(second=0, microsecond=0)

    # a. Signed out, the home page sends the caseworker to the sign-in form, in Vietnamese.
    page.goto(live_server.url)
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("main h1")).to_have_text("Đăng nhập")
    save_screenshot(page, "case-registration-sign-in")
    page.fill("[name=username]", "police.caseworker")
    page.fill("[name=password]", PASSWORD)
    submit(page, "form:has([name=password]) [type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("[data-testid=active-agency]")).to_contain_text(police.label)

    # b. The three-step wizard: person → what happened → review.
    page.goto(f"{live_server.url}/cases/new/?restart=1")
    expect(page).to_have_url(re.compile(r"/cases/new/person/$"))
    page.fill("[name=full_name]", PERSON_NAME)
    page.select_option("[name=sex]", Sex.FEMALE)
    page.fill("[name=birth_year]", "2001")
    page.select_option("[name=home_province]", str(lao_cai.pk))
    submit(page, "button[name=next]")

    expect(page).to_have_url(re.compile(r"/cases/new/facts/$"))
    page.select_option("[name=came_to_notice]", "border_handover")
    expect(page.locator("[name=received_at]")).to_have_attribute("type", "datetime-local")
    page.fill("[name=received_at]", received_at.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("[name=reception_province]", str(lao_cai.pk))
    page.fill("[name=reception_place]", "Cửa khẩu Quốc tế Lào Cai")
    submit(page, "button[name=next]")

    expect(page).to_have_url(re.compile(r"/cases/new/review/$"))
    expect(page.locator("main")).to_contain_text(PERSON_NAME)
    expect(page.locator("[data-testid=duplicate-warning]")).to_have_count(0)
    submit(page, "button[name=create]")

    # c. The new case: reported → verifying → identifying, then the identification decision.
    expect(page).to_have_url(CASE_URL)
    case_url = page.url
    case = Case.objects.select_related("person").get(public_id=case_url.rstrip("/").rsplit("/", 1)[1])
    assert case.person.full_name == PERSON_NAME
    assert case.owning_agency == police
    assert case.status == CaseStatus.REPORTED
    assert timezone.localtime(case.received_at) == received_at
    expect(page.locator("[data-testid=person-name]")).to_have_text(PERSON_NAME)
    expect(page.locator("[data-testid=case-status]")).to_have_text(vietnamese(CaseStatus.REPORTED.label))

    change_status(page, CaseStatus.VERIFYING, "Đã tiếp nhận tại cửa khẩu, bắt đầu xác minh ban đầu.")
    change_status(page, CaseStatus.IDENTIFYING, "Có dấu hiệu bị mua bán, chuyển sang xác định nạn nhân.")
    status_before = page.locator("[data-testid=case-status]").inner_text()

    # The decision's form is fetched when its <details> opens (decision 275).
    page.locator("details[data-form=identification] > summary").click()
    form = page.locator("[data-testid=identification-form]")
    expect(form).to_be_visible()
    form.locator("[name=outcome][value=victim]").check()
    form.locator("[name=identified_on]").fill(timezone.localdate().isoformat())
    form.locator("[name=authority]").fill("Công an tỉnh Lào Cai")
    form.locator("[name=document]").fill("QĐ-123/2025")
    form.locator("[name=grounds][value=person_statement]").check()
    form.locator("[name=grounds][value=foreign_authority]").check()
    grounds = "Lời khai và biên bản bàn giao cho thấy bị lừa bán sang nước ngoài."
    form.locator("[name=reason]").fill(grounds)
    submit(page, "[data-testid=identification-form] [type=submit]")

    status_badge = page.locator("[data-testid=case-status]")
    expect(status_badge).not_to_have_text(status_before)
    expect(status_badge).to_have_text(vietnamese(CaseStatus.IDENTIFIED.label))
    timeline = page.locator("[data-testid=timeline]")
    identification_entry = timeline.locator("li", has_text=vietnamese(CaseEvent.Kind.IDENTIFICATION.label))
    expect(identification_entry).to_have_count(1)
    expect(identification_entry).to_contain_text(grounds)
    expect(page.locator("[data-testid=identification]")).to_contain_text("Công an tỉnh Lào Cai")
    expect(page.locator("[data-testid=identification-form]")).to_have_count(0)

    case.refresh_from_db()
    assert case.status == CaseStatus.IDENTIFIED
    assert case.legal_regime == LegalRegime.LAW_2024
    assert case.person_status == PersonStatus.VICTIM
    assert case.identified_on == timezone.localdate()
    assert_clean(page)
    save_screenshot(page, "case-registration-identified")

    # d. A Women's Union worker with no link to the case, in a separate browser context.
    outsider = new_page("union")
    sign_in(outsider, live_server.url, "union.worker")
    response = outsider.goto(case_url)
    assert response is not None and response.status == 404
    assert PERSON_NAME not in outsider.content()
    assert case.reference not in outsider.content()
    save_screenshot(outsider, "case-registration-outsider-404")

    outsider.goto(live_server.url)
    expect(outsider.locator(".case-table")).to_be_visible()
    assert PERSON_NAME not in outsider.content()
    assert case.reference not in outsider.content()
    outsider.goto(f"{live_server.url}/?q=Sua")
    assert PERSON_NAME not in outsider.content()
    assert case.reference not in outsider.content()

    # e. No console errors or CSP violations anywhere. The one expected message: Chromium logs
    # the deliberate 404 of the case page itself as a failed resource.
    assert_clean(page)
    assert_clean(outsider, allowed=(rf"status of 404 \(Not Found\) \({re.escape(case_url)}\)$",))
