"""End to end, in a real browser on a tablet-sized screen (800×1280): a Peace House's shelter
staff accept a placement referral, admit the woman, fill the intake form over two sittings,
record services, and discharge her home, which opens the follow-up plan.

The placement referral is sent in the database (the routing to it is covered by
test_referral_to_peace_house.py); everything the Peace House does happens in the browser.
Accepting the referral holds a bed and queues routing through the outbox, so Celery is eager
here as there.

Selectors are form field names, form actions, URLs and data-testid attributes; translated
text is only compared through `vietnamese()` of the app's own (lazy) strings.
"""

import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from playwright.sync_api import expect

from casework.models import Role
from referrals.actions import do_send_referral
from referrals.models import Referral, ReferralPurpose, ReferralStatus
from shelters.actions import add_months
from shelters.models import Bed, FollowUpVisit, Intake, ServiceKind, ServiceRecord, Stay
from tests.e2e.conftest import assert_clean, save_screenshot
from tests.e2e.test_case_registration import sign_in, submit, vietnamese
from tests.e2e.test_referral_to_peace_house import (
    acknowledge_and_accept,
    open_details,
    open_referral_from_inbox,
)
from tests.fixtures.personas import acting, make_agency, make_user
from tests.fixtures.shelters import make_facility, new_case

PERSON_NAME = "Vàng Thị Dua"  # fictional
FACILITY_CODE = "e2e-binh-yen-hn"
TABLET = {"width": 800, "height": 1280}
STAY_URL = re.compile(r"/shelters/stays/([0-9a-f-]{36})/(#\w+)?$")


def tablet_page(new_page, label: str):
    """A fresh signed-out browser context (the shared fixture), resized to a tablet held upright."""
    page = new_page(label)
    page.set_viewport_size(TABLET)
    return page


def expect_free_count(page, free: int) -> None:
    expect(page.locator("[data-testid=free-count]")).to_have_text(re.compile(rf"^\s*{free}(?!\d)"))


def expect_bed_states(page, **counts: int) -> None:
    for state, count in counts.items():
        expect(page.locator(f"[data-testid=bed][data-state={state}]")).to_have_count(count)


def open_own_facility(page, base_url: str) -> None:
    submit(page, "[data-testid=shelters-link]")
    expect(page).to_have_url(f"{base_url}/shelters/")
    submit(page, "[data-testid=own-facility-link]")
    expect(page).to_have_url(f"{base_url}/shelters/{FACILITY_CODE}/")


def save_section(page, key: str, *, complete: bool = True) -> None:
    """Save one intake section through htmx and wait for the swapped card to say so: saved
    just now, and complete or still needing answers."""
    section = page.locator(f"[data-testid=section-{key}]")
    with page.expect_response(lambda r: r.url.endswith(f"/intake/{key}/") and r.request.method == "POST") as saved:
        section.locator("button[type=submit]").click()
    assert saved.value.status == 200
    expect(section.locator("[data-testid=saved-at]")).to_have_class(re.compile(r"\btext-success\b"))
    state = _("Complete") if complete else _("Answers still needed")
    expect(section.locator("[data-testid=section-state]")).to_have_text(vietnamese(state))
    nav_link = page.locator(f"#intake-nav-{key}")
    if complete:
        expect(nav_link).to_have_class(re.compile(r"\bintake-nav-done\b"))
    else:
        expect(nav_link).not_to_have_class(re.compile(r"\bintake-nav-done\b"))


def record_service(page, kind: str, provider: str, notes: str) -> None:
    open_details(page, "[data-testid=service-form]")
    form = page.locator("[data-testid=service-form]")
    form.locator("[name=kind]").select_option(kind)
    expect(form.locator("[name=provided_on]")).to_have_value(timezone.localdate().isoformat())
    form.locator("[name=provider]").fill(provider)
    form.locator("[name=notes]").fill(notes)
    submit(page, "[data-testid=service-form] [type=submit]")
    expect(page).to_have_url(STAY_URL)
    assert page.url.endswith("#services")


@pytest.mark.browser
@pytest.mark.usefixtures("eager_celery")
def test_peace_house_admits_fills_intake_in_two_sittings_and_discharges_home(live_server, reference_data, new_page):
    url = live_server.url
    facility = make_facility(FACILITY_CODE, "HN", beds=3)
    union = facility.agency
    make_user("peace.staff", union, Role.SHELTER_STAFF)
    social = make_agency("e2e-bxh-lca", "social_protection", "LCA")
    social_worker = make_user("social.caseworker", social, Role.CASEWORKER)
    case = new_case(social, social_worker, name=PERSON_NAME)
    placement = do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=union,
        from_agency=social,
        actor=acting(social_worker),
    )
    assert placement.status == ReferralStatus.SENT
    today = timezone.localdate()

    # 1. The Peace House's shelter staff sign in (Vietnamese UI); three beds are free.
    page = tablet_page(new_page, "first-sitting")
    sign_in(page, url, "peace.staff")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("[data-testid=active-agency]")).to_contain_text(union.label)
    submit(page, "[data-testid=shelters-link]")
    expect(page.locator(f"[data-testid=free-{FACILITY_CODE}]")).to_have_text("3")

    # … then acknowledge and accept the placement from the inbox.
    open_referral_from_inbox(page, url, placement)
    acknowledge_and_accept(page, placement)

    # 2. Accepting held a bed; she waits for admission on the facility page.
    open_own_facility(page, url)
    expect_free_count(page, 2)
    expect_bed_states(page, free=2, held=1, occupied=0)
    awaiting = page.locator("[data-testid=awaiting] li", has_text=placement.reference)
    expect(awaiting).to_have_count(1)
    expect(awaiting).to_contain_text(PERSON_NAME)
    save_screenshot(page, "peace-house-stay-facility-awaiting")
    submit(page, "[data-testid=awaiting] [data-testid=admit-link]")
    expect(page).to_have_url(re.compile(rf"/shelters/{FACILITY_CODE}/admit/\d+/$"))
    planned_end = add_months(today, 6)
    expect(page.locator("[name=planned_end]")).to_have_value(planned_end.isoformat())
    submit(page, "[data-testid=admit-submit]")
    expect(page).to_have_url(STAY_URL)
    stay_url = page.url
    stay = Stay.objects.select_related("bed").get(public_id=STAY_URL.search(stay_url).group(1))
    assert stay.case == case
    assert stay.placement.reference == placement.reference
    expect(page.locator("main h1")).to_contain_text(PERSON_NAME)
    expect(page.locator("[data-testid=planned-end]")).to_contain_text(planned_end.strftime("%d/%m/%Y"))
    expect(page.locator("[data-testid=stay-bed]")).to_have_text(f"{stay.bed.room} / {stay.bed.label}")

    # 3. The intake form, first sitting: four of nine sections, one of them not finished.
    submit(page, "[data-testid=intake-link]")
    expect(page).to_have_url(f"{stay_url}intake/")
    expect(page.locator("[data-testid=intake-stay]")).to_contain_text(PERSON_NAME)
    arrival = page.locator("[data-testid=section-arrival]")
    arrival.locator("[name=condition]").select_option("exhausted")
    arrival.locator("[name=emotional_state]").fill("Sợ hãi, ít nói, hay khóc")
    arrival.locator("[name=accompanied_by]").fill("Cán bộ Bảo trợ xã hội Lào Cai")
    save_section(page, "arrival")
    needs = page.locator("[data-testid=section-needs]")
    for need in ("food", "rest", "family_contact"):
        needs.locator(f"[name=needs][value={need}]").check()
    save_section(page, "needs")
    health = page.locator("[data-testid=section-health]")
    health.locator("[name=general_health]").fill("Gầy yếu, mất ngủ")
    health.locator("[name=pregnant]").select_option("no")
    health.locator("[name=needs_doctor]").check()
    save_section(page, "health", complete=False)  # screened_by comes later
    belongings = page.locator("[data-testid=section-belongings]")
    belongings.locator("[name=items]").fill("Một ba lô quần áo, điện thoại cũ")
    belongings.locator("[name=cash_vnd]").fill("150000")
    belongings.locator("[name=kept_in_safe]").check()
    save_section(page, "belongings")
    assert_clean(page)
    save_screenshot(page, "peace-house-stay-intake-first-sitting")
    intake = Intake.objects.get(stay=stay)
    assert set(intake.saved_at) == {"arrival", "needs", "health", "belongings"}
    assert intake.completed_at is None

    # Second sitting: the tablet was put away; a new session finds what was saved.
    first_sitting = page
    first_sitting.context.close()
    page = tablet_page(new_page, "second-sitting")
    sign_in(page, url, "peace.staff")
    open_own_facility(page, url)
    submit(page, f"[data-testid=residents] a[href='/shelters/stays/{stay.public_id}/']")
    expect(page).to_have_url(stay_url)
    expect(page.locator("[data-testid=intake-link]")).to_contain_text("4")
    submit(page, "[data-testid=intake-link]")
    expect(page).to_have_url(f"{stay_url}intake/")
    arrival, needs, health, belongings = (
        page.locator(f"[data-testid=section-{key}]") for key in ("arrival", "needs", "health", "belongings")
    )
    expect(arrival.locator("[name=condition]")).to_have_value("exhausted")
    expect(arrival.locator("[name=emotional_state]")).to_have_value("Sợ hãi, ít nói, hay khóc")
    expect(needs.locator("[name=needs][value=rest]")).to_be_checked()
    expect(needs.locator("[name=needs][value=medical]")).not_to_be_checked()
    expect(health.locator("[name=general_health]")).to_have_value("Gầy yếu, mất ngủ")
    expect(health.locator("[name=needs_doctor]")).to_be_checked()
    expect(health.locator("[name=screened_by]")).to_have_value("")
    expect(health.locator("[data-testid=section-state]")).to_have_text(vietnamese(_("Answers still needed")))
    expect(belongings.locator("[name=cash_vnd]")).to_have_value("150000")
    expect(page.locator("[data-testid=section-goals] [data-testid=section-state]")).to_have_text(
        vietnamese(_("Not started"))
    )

    health.locator("[name=screened_by]").fill("Y sĩ Lê Thị Hằng")
    save_section(page, "health")
    risk = page.locator("[data-testid=section-risk]")
    risk.locator("[name=level]").select_option("medium")
    risk.locator("[name=threats]").fill("Người môi giới có số điện thoại của chị")
    risk.locator("[name=measures]").fill("Đổi số điện thoại; không tiếp người lạ")
    save_section(page, "risk")
    rules = page.locator("[data-testid=section-rules]")
    rules.locator("[name=explained_on]").fill(today.isoformat())
    rules.locator("[name=language]").fill("tiếng Việt, có người nói tiếng H'Mông")
    rules.locator("[name=understood]").check()
    save_section(page, "rules")
    consent = page.locator("[data-testid=section-consent]")
    consent.locator("[name=agrees]").check()
    consent.locator("[name=given_by]").select_option("person")
    consent.locator("[name=signed_on]").fill(today.isoformat())
    save_section(page, "consent")
    contact = page.locator("[data-testid=section-contact]")
    contact.locator("[name=name]").fill("Vàng Thị Mai")
    contact.locator("[name=relationship]").fill("mẹ")
    contact.locator("[name=phone]").fill("0912000111")
    save_section(page, "contact")
    goals = page.locator("[data-testid=section-goals]")
    goals.locator("[name=goals]").fill("Học nghề may, rồi về sống với mẹ.")
    goals.locator("[name=language]").fill("tiếng H'Mông")
    save_section(page, "goals")
    submit(page, "[data-testid=complete-intake]")
    expect(page).to_have_url(stay_url)
    expect(page.locator("[data-testid=intake-link]")).to_have_text(vietnamese(_("Intake complete")))

    # 4. Two services during the stay.
    record_service(page, ServiceKind.COUNSELLING, "Chị Đỗ Thị Thu, tư vấn viên", "Buổi tư vấn đầu tiên")
    record_service(page, ServiceKind.LIFE_SKILLS, "Ngôi nhà Bình yên", "Kỹ năng quản lý chi tiêu")
    services = page.locator("[data-testid=services] li")
    expect(services).to_have_count(2)
    for kind in (ServiceKind.COUNSELLING, ServiceKind.LIFE_SKILLS):
        expect(services.filter(has_text=vietnamese(kind.label))).to_have_count(1)
    expect(services.first).to_contain_text(today.strftime("%d/%m/%Y"))
    assert_clean(page)
    save_screenshot(page, "peace-house-stay-services")

    # 4b. A note and a document on her case, from her stay page (decision 206).
    open_details(page, "[data-testid=stay-note-form]")
    note_form = page.locator("[data-testid=stay-note-form]")
    expect(note_form.locator("[name=sensitivity]")).to_have_value("shelter")
    note_form.locator("[name=body]").fill("Chị ngủ được hơn, đã tự đi chợ cùng nhân viên.")
    submit(page, "[data-testid=stay-note-form] [type=submit]")
    expect(page).to_have_url(f"{stay_url}#notes")
    expect(page.locator("[data-testid=stay-note]")).to_contain_text("Chị ngủ được hơn")
    open_details(page, "[data-testid=stay-document-form]")
    document_form = page.locator("[data-testid=stay-document-form]")
    document_form.locator("[name=file]").set_input_files(
        {"name": "giay-kham.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% e2e\n%%EOF\n"}
    )
    document_form.locator("[name=kind]").select_option("other")
    document_form.locator("[name=sensitivity]").select_option("health")
    document_form.locator("[name=title]").fill("Giấy khám sức khỏe")
    submit(page, "[data-testid=stay-document-form] [type=submit]")
    expect(page.locator("[data-testid=stay-documents]")).to_contain_text("Giấy khám sức khỏe")
    assert_clean(page)
    save_screenshot(page, "peace-house-stay-note")

    # 5. Her bed is occupied: one fewer free than before the placement was accepted.
    submit(page, "[data-testid=shelters-link]")
    expect(page.locator(f"[data-testid=free-{FACILITY_CODE}]")).to_have_text("2")
    submit(page, "[data-testid=own-facility-link]")
    expect(page).to_have_url(f"{url}/shelters/{FACILITY_CODE}/")
    expect_free_count(page, 2)
    expect_bed_states(page, free=2, held=0, occupied=1)
    expect(page.locator("[data-testid=admit-link]")).to_have_count(0)
    expect(page.locator("[data-testid=residents] tbody tr", has_text=PERSON_NAME)).to_have_count(1)

    # 6. Discharged home to her family: the follow-up plan opens, first visit in a month.
    page.goto(stay_url)
    open_details(page, "[data-testid=discharge-form]")
    form = page.locator("[data-testid=discharge-form]")
    expect(form.locator("[name=discharged_at]")).to_have_value(re.compile(rf"^{today.isoformat()}T\d\d:\d\d$"))
    form.locator("[name=destination]").select_option(Stay.Destination.FAMILY)
    form.locator("[name=reason]").fill("Đã học xong khóa may, gia đình sẵn sàng đón về.")
    # Discharge cannot be undone: the form asks first.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    submit(page, "[data-testid=discharge-form] [type=submit]")
    expect(page).to_have_url(f"{stay_url}#followups")
    assert len(questions) == 1
    expect(page.locator("[data-testid=discharged]")).to_contain_text(vietnamese(Stay.Destination.FAMILY.label))
    expect(page.locator("[data-testid=discharge-form]")).to_have_count(0)
    # The stay has ended: its page is a record, with no note or document form.
    expect(page.locator("[data-testid=stay-note-form]")).to_have_count(0)
    expect(page.locator("[data-testid=stay-note]")).to_contain_text("Chị ngủ được hơn")
    visits = page.locator("[data-testid=followup]")
    expect(visits).to_have_count(5)
    first_visit = page.locator("[data-testid=followup][data-months='1']")
    expect(first_visit).to_contain_text(add_months(today, 1).strftime("%d/%m/%Y"))
    assert_clean(page)
    save_screenshot(page, "peace-house-stay-discharged")
    assert_clean(first_sitting)

    stay = Stay.objects.get(pk=stay.pk)
    assert stay.discharged_at is not None
    assert stay.destination == Stay.Destination.FAMILY
    assert Stay.objects.filter(case=case).count() == 1
    intake = Intake.objects.get(stay=stay)
    assert intake.completed_at is not None
    assert intake.sections["health"]["screened_by"] == "Y sĩ Lê Thị Hằng"
    assert intake.sections["arrival"]["condition"] == "exhausted"
    assert ServiceRecord.objects.filter(stay=stay).count() == 2
    assert sorted(FollowUpVisit.objects.filter(stay=stay).values_list("months", flat=True)) == [1, 3, 6, 12, 24]
    bed = Bed.objects.get(pk=stay.bed_id)
    assert bed.occupied_by_id is None
    assert bed.held_for_id is None
    assert Bed.objects.filter(facility=facility).filter(Bed.free_q()).count() == 3
    assert Referral.objects.get(pk=placement.pk).status == ReferralStatus.ACCEPTED
