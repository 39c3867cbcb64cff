"""The whole reception chain in a real browser, in Vietnamese, each actor doing only what it may
(issue 14): the border guard receives a woman at the Lào Cai gate → Sở Y tế Lào Cai takes the
lead and verifies with the police → the police identify her → a Peace House stay → discharge
home → her commune, Bát Xát, follows her up.

Routing runs eagerly in the live server's thread (see test_referral_to_peace_house.py).
Selectors are form actions, URLs and data-testid attributes.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import Case, CaseLead, CaseStatus, Province, Role, Sex, VerificationOutcome
from referrals.models import Referral, ReferralStatus
from shelters.models import Bed, Facility, FacilityKind, FollowUpVisit, Stay
from tests.e2e.conftest import assert_clean, save_screenshot
from tests.e2e.test_case_registration import sign_in, submit
from tests.e2e.test_referral_to_peace_house import open_details
from tests.fixtures.personas import make_agency, make_user

PERSON_NAME = "Thào Thị Dính"  # fictional
CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})/(\?section=\w+)?(#\w+)?$")


def open_referral(page, base_url: str, referral: Referral) -> None:
    """From the inbox, as the receiving agency sees it."""
    submit(page, "[data-testid=inbox-link]")
    expect(page.locator("[data-testid=inbox]")).to_contain_text(referral.reference)
    submit(page, f"[data-testid=inbox] a[href='/referrals/{referral.public_id}/']")
    expect(page).to_have_url(f"{base_url}/referrals/{referral.public_id}/")


def take_on(page, referral: Referral) -> None:
    submit(page, f"form[action='/referrals/{referral.public_id}/acknowledge/'] [type=submit]")
    submit(page, f"form[action='/referrals/{referral.public_id}/accept/'] [type=submit]")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def consent_for(page, agency, classes) -> None:
    form = "form[action$='/consents/']"
    open_details(page, form)
    page.select_option(f"{form} [name=given_by]", "person")
    for value in classes:
        page.check(f"{form} [name=classes][value={value}]")
    page.select_option(f"{form} [name=agency]", str(agency.pk))
    page.fill(f"{form} [name=purpose]", "Đồng ý chia sẻ để được hỗ trợ")
    page.fill(f"{form} [name=given_on]", timezone.localdate().isoformat())
    submit(page, f"{form} [type=submit]")


@pytest.mark.browser
def test_the_reception_chain_from_the_border_gate_to_the_home_commune(
    live_server,
    reference_data,
    eager_celery,
    new_page,
):
    lao_cai, hanoi = Province.objects.get(code="LCA"), Province.objects.get(code="HN")
    border = make_agency("e2e-c-bdbp", "border_guard", "LCA")
    syt = make_agency("e2e-c-syt", "social_protection", "LCA")
    police = make_agency("e2e-c-ca", "police", "LCA")
    commune = make_agency("e2e-c-batxat", "commune", "LCA")
    union = make_agency("e2e-c-peace", "womens_union", "HN")
    house = Facility.objects.create(
        code="e2e-c-peace",
        name="Ngôi nhà Bình yên",
        name_en="Peace House",
        kind=FacilityKind.PEACE_HOUSE,
        agency=union,
        province=hanoi,
        takes_women=True,
        max_stay_months=18,
        followup_months=24,
    )
    Bed.objects.create(facility=house, room="P1", label="G1")
    for username, agency, role in [
        ("c.bienphong", border, Role.CASEWORKER),
        ("c.syt", syt, Role.CASEWORKER),
        ("c.congan", police, Role.CASEWORKER),
        ("c.xa", commune, Role.CASEWORKER),
        ("c.binhyen", union, Role.SHELTER_STAFF),
    ]:
        make_user(username, agency, role)
    url = live_server.url
    received_at = (timezone.localtime() - datetime.timedelta(hours=6)).replace(second=0, microsecond=0)

    # 1. The border guard registers her at the gate; routing sends her to Sở Y tế Lào Cai.
    border_page = new_page("border")
    sign_in(border_page, url, "c.bienphong")
    border_page.goto(f"{url}/cases/new/?restart=1")
    border_page.fill("[name=full_name]", PERSON_NAME)
    border_page.select_option("[name=sex]", Sex.FEMALE)
    border_page.fill("[name=birth_year]", "2000")
    border_page.select_option("[name=home_province]", str(lao_cai.pk))
    border_page.select_option("[name=home_commune]", str(commune.pk))
    submit(border_page, "button[name=next]")
    border_page.select_option("[name=came_to_notice]", "border_handover")
    border_page.fill("[name=received_at]", received_at.strftime("%Y-%m-%dT%H:%M"))
    border_page.select_option("[name=reception_province]", str(lao_cai.pk))
    border_page.fill("[name=reception_place]", "Cửa khẩu Quốc tế Lào Cai")
    submit(border_page, "button[name=next]")
    submit(border_page, "button[name=create]")
    expect(border_page).to_have_url(CASE_URL)
    case = Case.objects.get(public_id=CASE_URL.search(border_page.url).group(1))
    reception = Referral.objects.get(case=case, purpose__code="repatriation_reception")
    assert reception.to_agency == syt  # the province of reception, not of her home (art. 30(1)(b))
    assert_clean(border_page)

    # 2. Sở Y tế accepts and leads; the 3 days of verification start; the police are asked.
    syt_page = new_page("so-y-te")
    sign_in(syt_page, url, "c.syt")
    open_referral(syt_page, url, reception)
    take_on(syt_page, reception)
    case.refresh_from_db()
    assert case.owning_agency == syt and case.verification_started_at is not None
    syt_page.goto(f"{url}/cases/{case.public_id}/")
    expect(syt_page.locator("[data-testid=lead-agency]")).to_contain_text(syt.name)
    expect(syt_page.locator("[data-testid=verification]")).to_be_visible()
    # The border guard now reads, read-only, and sees the new lead.
    border_page.goto(f"{url}/cases/{case.public_id}/")
    expect(border_page.locator("[data-testid=lead-agency]")).to_contain_text(syt.name)
    expect(border_page.locator("[data-testid=transition-form]")).to_have_count(0)
    expect(border_page.locator("form[action$='/notes/']")).to_have_count(0)

    # 3. The police accept the verification; Sở Y tế records its result: identification needed.
    verification = Referral.objects.get(case=case, purpose__code="verification")
    assert verification.from_agency == syt and verification.to_agency == police
    police_page = new_page("police")
    sign_in(police_page, url, "c.congan")
    open_referral(police_page, url, verification)
    take_on(police_page, verification)
    syt_page.goto(f"{url}/cases/{case.public_id}/")
    # The action forms are fetched when their <details> opens (decision 275).
    syt_page.locator("details[data-form=verification] > summary").click()
    form = syt_page.locator("[data-testid=verification-form]")
    expect(form).to_be_visible()
    form.locator(f"[name=outcome][value={VerificationOutcome.IDENTIFICATION_NEEDED}]").check()
    form.locator("[name=note]").fill("Thiếu giấy tờ theo khoản 1 Điều 33; phối hợp công an xác định")
    submit(syt_page, "[data-testid=verification-form] [type=submit]")
    case.refresh_from_db()
    assert case.status == CaseStatus.IDENTIFYING and case.verification_outcome == "identification_needed"
    # Sở Y tế may not decide; it may propose. The police decide.
    expect(syt_page.locator("[data-testid=identification-form]")).to_have_count(0)
    expect(syt_page.locator("details[data-form=identification]")).to_have_count(0)
    syt_page.locator("details[data-form=proposal] > summary").click()
    expect(syt_page.locator("[data-testid=proposal-form]")).to_have_count(1)
    assert_clean(syt_page)

    # 4. The police identify her, with the evidence of art. 32; they cannot move or close the case.
    police_page.goto(f"{url}/cases/{case.public_id}/")
    expect(police_page.locator("[data-testid=transition-form]")).to_have_count(0)
    police_page.locator("details[data-form=identification] > summary").click()
    form = police_page.locator("[data-testid=identification-form]")
    expect(form).to_be_visible()
    form.locator("[name=outcome][value=victim]").check()
    form.locator("[name=document]").fill("45/XN-CAT")
    form.locator("[name=grounds][value=foreign_authority]").check()
    form.locator("[name=grounds][value=person_statement]").check()
    form.locator("[name=reason]").fill("Biên bản bàn giao của phía Trung Quốc; lời khai phù hợp")
    submit(police_page, "[data-testid=identification-form] [type=submit]")
    case.refresh_from_db()
    assert case.person_status == "victim" and case.identification_agency == police
    expect(police_page.locator("[data-testid=identification]")).to_contain_text("45/XN-CAT")
    assert_clean(police_page)

    # 5. Sở Y tế, as lead, records her consents and moves to support; routing places her.
    syt_page.goto(f"{url}/cases/{case.public_id}/")
    consent_for(syt_page, union, ("core", "identity", "health", "shelter"))
    consent_for(syt_page, commune, ("core", "identity", "support"))
    placement = Referral.objects.get(case=case, purpose__code="shelter_placement")
    assert placement.to_agency == union and placement.from_agency == syt
    staff_page = new_page("peace-house")
    sign_in(staff_page, url, "c.binhyen")
    open_referral(staff_page, url, placement)
    take_on(staff_page, placement)
    submit(staff_page, "[data-testid=admit-from-referral]")
    submit(staff_page, "main form.touch-form [type=submit]")
    stay = Stay.objects.get(case=case)
    staff_page.goto(f"{url}/shelters/stays/{stay.public_id}/")
    open_details(staff_page, "[data-testid=discharge-form]")
    form = staff_page.locator("[data-testid=discharge-form]")
    form.locator("[name=destination]").select_option("family")
    form.locator("[name=reason]").fill("Về với gia đình ở Bát Xát")
    staff_page.once("dialog", lambda dialog: dialog.accept())
    submit(staff_page, "[data-testid=discharge-form] [type=submit]")
    expect(staff_page.locator("[data-testid=discharged]")).to_be_visible()
    assert_clean(staff_page)

    # 6. Discharge home hands her to the home commune, which accepts, leads and visits her.
    case.refresh_from_db()
    assert case.status == CaseStatus.REINTEGRATING
    followup = Referral.objects.get(case=case, purpose__code="reintegration_followup", to_agency=commune)
    commune_page = new_page("commune")
    sign_in(commune_page, url, "c.xa")
    open_referral(commune_page, url, followup)
    take_on(commune_page, followup)
    case.refresh_from_db()
    assert case.owning_agency == commune
    assert list(CaseLead.objects.filter(case=case).values_list("agency__code", flat=True)) == [
        border.code,
        syt.code,
        commune.code,
    ]
    assert FollowUpVisit.objects.filter(case=case, agency=commune).count() == 5
    commune_page.goto(f"{url}/cases/{case.public_id}/")
    visit = commune_page.locator("[data-testid=case-followup]").first
    visit.locator("summary").click()
    visit.locator("[name=visited_on]").fill(timezone.localdate().isoformat())
    visit.locator("[name=outcome]").select_option("safe")
    submit(commune_page, "[data-testid=case-followup] form [type=submit] >> nth=0")
    assert FollowUpVisit.objects.filter(case=case, agency=commune).exclude(outcome="").count() == 1
    expect(commune_page.locator("[data-testid=lead-history]")).to_have_count(1)
    assert_clean(commune_page)
    save_screenshot(commune_page, "reception-chain-home-commune")
    for page in (border_page, syt_page, police_page):
        assert_clean(page)
