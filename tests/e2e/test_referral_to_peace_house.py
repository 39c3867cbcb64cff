"""End to end, in a real browser: a woman handed over at the Lào Cai border gate is routed to
the social-protection agency of the province of reception (Law 53 art. 30(1)(b)), which takes
the lead; once she has consented to sharing with the Women's Union, routing places her in the
Peace House with a free bed nearest her home, whose caseworker records the handover minutes and
prints them; the Peace House's shelter staff then see her identity and health notes, never the
investigation.

Routing runs in Celery through the outbox after each commit. The live server runs in this
process, so Celery is made eager here and routing runs right after the request that caused
it; the real worker's reliability is tested in tests/referrals/.

Selectors are form field names, form actions, URLs and data-testid attributes; translated
text is avoided, since translations of the referral pages are still being added.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import AgencyKind, Case, Province, Role, Sex
from referrals.models import HandoverMinutes, Referral, ReferralStatus, RoutingDecision
from shelters.models import Bed, Facility, FacilityKind
from tests.e2e.conftest import assert_clean, save_screenshot
from tests.e2e.test_case_registration import sign_in, submit, vietnamese
from tests.fixtures.personas import make_agency, make_user

PERSON_NAME = "Hoàng Thị Mỷ"  # fictional
CRIMINAL_CASE_NUMBER = "VA-2025-0417"
INCIDENT_SUMMARY = "Bị môi giới đưa sang biên giới với lời hứa việc làm ở nhà hàng."
OFFENDER_NAME = "Vương Văn Khải"
HEALTH_NOTE = "Khám ban đầu: mệt mỏi, thiếu ngủ, cần tư vấn tâm lý."
CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})/(\?section=\w+)?(#\w+)?$")
REFERRAL_URL = re.compile(r"/referrals/([0-9a-f-]{36})/$")
SHELTER_CLASSES = ("core", "identity", "health", "shelter")


def open_details(page, form_selector: str) -> None:
    """Open the <details> that holds a form of the case page. A form loaded on demand
    (`details[data-form=consents]`, decision 253) is fetched when its <details> opens."""
    summaries = f"details:has({form_selector}) > summary"
    on_demand = re.search(r"action\$='/(\w+)/'\]$", form_selector)
    if on_demand:
        summaries += f", details[data-form={on_demand.group(1)}] > summary"
    page.locator(summaries).first.click()
    expect(page.locator(form_selector)).to_be_visible()


def open_referral_from_inbox(page, base_url: str, referral: Referral) -> None:
    """Go to the inbox through the header link, check the badge, open the referral."""
    inbox_link = page.locator("[data-testid=inbox-link]")
    expect(inbox_link.locator(".badge")).to_have_text("1")
    submit(page, "[data-testid=inbox-link]")
    expect(page).to_have_url(f"{base_url}/referrals/")
    row = page.locator("[data-testid=inbox] tbody tr", has_text=referral.reference)
    expect(row).to_have_count(1)
    submit(page, f"[data-testid=inbox] a[href='/referrals/{referral.public_id}/']")
    expect(page).to_have_url(f"{base_url}/referrals/{referral.public_id}/")


def acknowledge_and_accept(page, referral: Referral) -> None:
    status = page.locator("[data-testid=referral-status]")
    expect(status).to_have_text(vietnamese(ReferralStatus.SENT.label))
    submit(page, f"form[action='/referrals/{referral.public_id}/acknowledge/'] [type=submit]")
    expect(status).to_have_text(vietnamese(ReferralStatus.RECEIVED.label))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    submit(page, f"form[action='/referrals/{referral.public_id}/accept/'] [type=submit]")
    expect(status).to_have_text(vietnamese(ReferralStatus.ACCEPTED.label))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    expect(page.locator("[data-testid=handover-link]")).to_have_attribute(
        "href", f"/referrals/{referral.public_id}/handover/"
    )


@pytest.mark.browser
def test_border_handover_routed_to_social_protection_then_placed_in_a_peace_house(
    live_server, reference_data, eager_celery, new_page
):
    hanoi = Province.objects.get(code="HN")
    lao_cai = Province.objects.get(code="LCA")
    border = make_agency("e2e-bdbp-lca", "border_guard", "LCA")
    social = make_agency("e2e-bxh-lca", "social_protection", "LCA")
    make_agency("e2e-police-hn", "police", "HN")
    union = make_agency("e2e-hlhpn-hn", "womens_union", "HN")
    peace_house = Facility.objects.create(
        code="e2e-ngoi-nha-binh-yen-hn",
        name="Ngôi nhà Bình yên Hà Nội",
        name_en="Peace House Hanoi",
        kind=FacilityKind.PEACE_HOUSE,
        agency=union,
        province=hanoi,
        takes_women=True,
        max_stay_months=18,
        followup_months=24,
    )
    Bed.objects.bulk_create([Bed(facility=peace_house, room="P1", label=label) for label in ("G1", "G2")])
    # A Peace House far from her home, also with a free bed: routing must pick the nearer one.
    far_union = make_agency("e2e-hlhpn-lca", "womens_union", "LCA")
    far_house = Facility.objects.create(
        code="e2e-ngoi-nha-binh-yen-lca",
        name="Ngôi nhà Bình yên Lào Cai",
        name_en="Peace House Lao Cai",
        kind=FacilityKind.PEACE_HOUSE,
        agency=far_union,
        province=lao_cai,
        takes_women=True,
    )
    Bed.objects.create(facility=far_house, room="P1", label="G1")
    make_user("border.caseworker", border, Role.CASEWORKER)
    make_user("social.caseworker", social, Role.CASEWORKER)
    make_user("peace.caseworker", union, Role.CASEWORKER)
    make_user("peace.staff", union, Role.SHELTER_STAFF)
    url = live_server.url
    received_at = (timezone.localtime() - datetime.timedelta(hours=5)).replace(second=0, microsecond=0)

    # 1. The border-guard caseworker registers the woman handed over at the gate.
    border_page = new_page("border")
    sign_in(border_page, url, "border.caseworker")
    expect(border_page.locator("[data-testid=active-agency]")).to_contain_text(border.label)
    border_page.goto(f"{url}/cases/new/?restart=1")
    expect(border_page).to_have_url(re.compile(r"/cases/new/person/$"))
    border_page.fill("[name=full_name]", PERSON_NAME)
    border_page.select_option("[name=sex]", Sex.FEMALE)
    border_page.fill("[name=birth_year]", "1999")
    border_page.select_option("[name=home_province]", str(hanoi.pk))
    submit(border_page, "button[name=next]")
    expect(border_page).to_have_url(re.compile(r"/cases/new/facts/$"))
    border_page.select_option("[name=came_to_notice]", "border_handover")
    border_page.fill("[name=received_at]", received_at.strftime("%Y-%m-%dT%H:%M"))
    border_page.select_option("[name=reception_province]", str(lao_cai.pk))
    border_page.fill("[name=reception_place]", "Cửa khẩu Quốc tế Lào Cai")
    submit(border_page, "button[name=next]")
    expect(border_page).to_have_url(re.compile(r"/cases/new/review/$"))
    submit(border_page, "button[name=create]")
    expect(border_page).to_have_url(CASE_URL)
    case_path = CASE_URL.search(border_page.url)
    case = Case.objects.select_related("person").get(public_id=case_path.group(1))
    case_url = f"{url}/cases/{case.public_id}/"
    assert case.owning_agency == border
    assert case.person.full_name == PERSON_NAME

    # 2. Routing ran on the wizard's commit: the social agency of the province of reception.
    repatriation = Referral.objects.get(case=case)
    assert repatriation.purpose.code == "repatriation_reception"
    assert repatriation.to_agency == social
    assert repatriation.from_agency == border
    assert repatriation.status == ReferralStatus.SENT
    assert repatriation.routing_rule.code == "returned-to-reception-province"
    referrals_card = border_page.locator("[data-testid=case-referrals]")
    expect(referrals_card.locator(f"a[href='/referrals/{repatriation.public_id}/']")).to_have_text(
        repatriation.reference
    )

    # The border guard records what the investigation needs: incident and offender.
    incident_form = "form[action$='/incident/']"
    border_page.fill(f"{incident_form} [name=criminal_case_number]", CRIMINAL_CASE_NUMBER)
    border_page.fill(f"{incident_form} [name=summary]", INCIDENT_SUMMARY)
    submit(border_page, f"{incident_form} [type=submit]")
    offender_form = "form[action$='/offenders/']"
    open_details(border_page, offender_form)
    border_page.fill(f"{offender_form} [name=full_name]", OFFENDER_NAME)
    border_page.select_option(f"{offender_form} [name=sex]", Sex.MALE)
    border_page.select_option(f"{offender_form} [name=role_in_process]", "Recruiter")
    submit(border_page, f"{offender_form} [type=submit]")
    investigation = border_page.locator("section#investigation")
    expect(investigation).to_contain_text(CRIMINAL_CASE_NUMBER)
    expect(investigation).to_contain_text(OFFENDER_NAME)
    # … and a health note from the first check-up at the gate.
    note_form = "form[action$='/notes/']"
    border_page.fill(f"{note_form} [name=body]", HEALTH_NOTE)
    border_page.select_option(f"{note_form} [name=sensitivity]", "health")
    submit(border_page, f"{note_form} [type=submit]")
    expect(border_page.locator("section#notes")).to_contain_text(HEALTH_NOTE)
    assert_clean(border_page)

    # 3. The social-protection caseworker finds it in the agency inbox, acknowledges, accepts:
    # Sở Y tế now leads the case (the border guard keeps reading what it recorded).
    social_page = new_page("social")
    sign_in(social_page, url, "social.caseworker")
    open_referral_from_inbox(social_page, url, repatriation)
    acknowledge_and_accept(social_page, repatriation)
    # Accepting re-routes the case: the shelter rule now applies but waits for her consent.
    shelter_rule = RoutingDecision.objects.get(case=case, rule__code="shelter-after-repatriation")
    assert shelter_rule.outcome == RoutingDecision.Outcome.WAITING_CONSENT
    assert shelter_rule.sender == social
    assert not Referral.objects.filter(case=case, purpose__code="shelter_placement").exists()
    social_page.goto(case_url)
    expect(social_page.locator("[data-testid=person-name]")).to_have_text(PERSON_NAME)
    expect(social_page.locator("[data-testid=lead-agency]")).to_contain_text(social.name)
    assert_clean(social_page)

    # 4. Her consent to share with the Women's Union. Consent is the lead agency's record
    # (Capability.RECORD_CONSENT), so Sở Y tế records it; the border guard no longer can.
    border_page.goto(case_url)
    consent_form = "form[action$='/consents/']"
    expect(border_page.locator(consent_form)).to_have_count(0)
    open_details(social_page, consent_form)
    social_page.select_option(f"{consent_form} [name=given_by]", "person")
    for value in SHELTER_CLASSES:
        social_page.check(f"{consent_form} [name=classes][value={value}]")
    social_page.select_option(f"{consent_form} [name=agency_kind]", str(AgencyKind.objects.get(code="womens_union").pk))
    social_page.fill(f"{consent_form} [name=purpose]", "Tạm lánh tại Ngôi nhà Bình yên")
    social_page.fill(f"{consent_form} [name=given_on]", timezone.localdate().isoformat())
    submit(social_page, f"{consent_form} [type=submit]")
    expect(social_page).to_have_url(CASE_URL)
    assert case.consents.count() == 1
    assert_clean(social_page)

    # Routing ran on the consent's commit: the nearest Peace House with a free bed.
    placement = Referral.objects.get(case=case, purpose__code="shelter_placement")
    assert placement.to_agency == union
    assert placement.from_agency == social
    assert placement.status == ReferralStatus.SENT
    assert placement.routing_rule.code == "shelter-after-repatriation"
    shelter_rule.refresh_from_db()
    assert shelter_rule.outcome == RoutingDecision.Outcome.REFERRED
    assert shelter_rule.referral == placement

    # 5. The Peace House caseworker takes her in and records the handover minutes.
    peace_page = new_page("peace-house")
    sign_in(peace_page, url, "peace.caseworker")
    open_referral_from_inbox(peace_page, url, placement)
    acknowledge_and_accept(peace_page, placement)
    submit(peace_page, "[data-testid=handover-link]")
    expect(peace_page).to_have_url(f"{url}/referrals/{placement.public_id}/handover/")
    form = peace_page.locator("[data-testid=handover-form]")
    handed_over_at = timezone.localtime().replace(second=0, microsecond=0)
    form.locator("[name=handed_over_at]").fill(handed_over_at.strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name=place]").fill("Ngôi nhà Bình yên, quận Cầu Giấy, Hà Nội")
    form.locator("[name=sender_officers]").fill("Bà Nguyễn Thị Hạnh, chuyên viên công tác xã hội")
    form.locator("[name=receiver_officers]").fill("Bà Trần Thị Lan, cán bộ Ngôi nhà Bình yên")
    form.locator("[name=documents]").fill("Giấy thông hành số GT-0417; biên bản bàn giao tại cửa khẩu")
    form.locator("[name=belongings]").fill("Một túi quần áo, điện thoại di động")
    form.locator("[name=person_wishes]").fill("Muốn học nghề may rồi về với mẹ ở Hà Nội")
    for signatory in ("sender", "receiver", "person"):
        form.locator(f"[name=signed_by][value={signatory}]").check()
    submit(peace_page, "[data-testid=handover-form] [type=submit]")
    expect(peace_page).to_have_url(f"{url}/referrals/{placement.public_id}/")
    placement.refresh_from_db()
    assert placement.status == ReferralStatus.HANDED_OVER
    minutes = HandoverMinutes.objects.get(referral=placement)
    assert minutes.signed_by == ["sender", "receiver", "person"]
    expect(peace_page.locator("[data-testid=handover-minutes]")).to_contain_text("Bà Trần Thị Lan")
    expect(peace_page.locator("[data-testid=referral-status]")).to_have_text(
        vietnamese(ReferralStatus.HANDED_OVER.label)
    )
    with peace_page.expect_download() as download_info:
        peace_page.click("[data-testid=minutes-pdf-link]")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert_clean(peace_page)
    save_screenshot(peace_page, "referral-to-peace-house-handed-over")

    # 6. The Peace House's shelter staff find her by name and open her case: identity and
    # health yes, the investigation no.
    staff_page = new_page("peace-staff")
    sign_in(staff_page, url, "peace.staff")
    staff_page.goto(f"{url}/")
    staff_page.fill(".case-filters [name=q]", "hoang thi my")
    staff_page.press(".case-filters [name=q]", "Enter")
    row = staff_page.locator(".case-table tbody tr", has_text=PERSON_NAME)
    expect(row).to_have_count(1)
    submit(staff_page, f".case-table a[href='/cases/{case.public_id}/']")
    expect(staff_page).to_have_url(case_url)
    expect(staff_page.locator("section#person [data-testid=person-name]")).to_have_text(PERSON_NAME)
    expect(staff_page.locator("section#notes")).to_contain_text(HEALTH_NOTE)
    expect(staff_page.locator("[data-testid=why-line]")).to_contain_text(placement.reference)
    expect(staff_page.locator("section#investigation")).to_have_count(0)
    text = staff_page.locator("body").inner_text()
    for secret in (CRIMINAL_CASE_NUMBER, INCIDENT_SUMMARY, OFFENDER_NAME):
        assert secret not in text
        assert secret not in staff_page.content()
    # Shelter staff of a receiver add notes; they never move the lead's case.
    expect(staff_page.locator("form[action$='/notes/']")).to_have_count(1)
    expect(staff_page.locator("[data-testid=transition-form]")).to_have_count(0)
    assert_clean(staff_page)
    save_screenshot(staff_page, "referral-to-peace-house-shelter-staff")

    for page in (border_page, social_page):
        assert_clean(page)
