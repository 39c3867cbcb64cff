"""End to end, in a real browser: a social-protection caseworker opens a victim's support plan
on the case page, sees each entitlement with its reason, and files a hardship claim (Law 53
art. 37 point k, Form 07); the agency's supervisor approves it — after the form refused an
approval without an amount and kept what was typed — and the caseworker records the payment,
after which the plan shows the item paid with nothing remaining.

The plan is loaded into the case page by htmx and every form posts back through htmx, which
swaps the answer in place, a refusal (400) included. No rates are seeded, so the plan says
"rate not set" where an administrator has not filled one.

Selectors are form field names, data-testid attributes and the plan's `data-item` rows;
translated text is only compared through `vietnamese()` of the app's own (lazy) strings, or
the catalogue's Vietnamese reasons.
"""

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from playwright.sync_api import expect

from casework.lib.text import vnd
from casework.models import AuditEvent, Country, LegalRegime, Person, PersonStatus, Role, SensitivityClass
from support.models import Claim, ClaimStatus, Payment
from tests.e2e.conftest import RESULTS_DIR, assert_clean, save_screenshot
from tests.e2e.test_case_registration import sign_in, vietnamese
from tests.e2e.test_referral_to_peace_house import open_details
from tests.fixtures.personas import acting, make_agency, make_case, make_user

PERSON_NAME = "Thào Thị Mai"  # fictional
HARDSHIP = "l53-k"  # Law 53 art. 37 point k: initial hardship allowance and loans
LAW_2024_VICTIM_ITEMS = 10  # points a–k
VIETNAMESE_VICTIM = "nạn nhân là công dân Việt Nam"
AMOUNT = 2_000_000
DOCUMENTS = "Đơn đề nghị theo Mẫu số 07; giấy xác nhận nạn nhân; xác nhận của UBND xã"
DECISION_REASON = "Đủ điều kiện hỗ trợ ban đầu theo điểm k khoản 1 Điều 37 Luật 53"
RECEIPT = "PC-2025-031"
# Chromium logs every 4xx answer as a failed resource; the refused approval is one on purpose.
REFUSED_DECISION = r"status of 400 \(Bad Request\) \(.*/support/claims/[0-9a-f-]{36}/decide/\)$"


def open_support_plan(page, case_url: str):
    """Open the case page and wait for htmx to load the support plan into it."""
    page.goto(case_url)
    plan = page.locator("#support [data-testid=support-plan]")
    expect(plan).to_be_visible()
    return plan


def post_through_htmx(page, form_selector: str, *, status: int = 200) -> None:
    """Submit a plan form; htmx posts it and swaps the answer in place of the plan."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/support/" in r.url) as answer:
        page.locator(f"{form_selector} [type=submit]").click()
    assert answer.value.status == status
    assert answer.value.request.headers.get("hx-request") == "true"


@pytest.mark.browser
def test_hardship_claim_filed_approved_and_paid_through_the_support_plan(live_server, reference_data, new_page):
    url = live_server.url
    social = make_agency("e2e-bxh-lca", "social_protection", "LCA")
    worker = make_user("social.caseworker", social, Role.CASEWORKER)
    boss = make_user("social.supervisor", social, Role.SUPERVISOR)
    case = make_case(
        social,
        acting(worker),
        name=PERSON_NAME,
        person_status=PersonStatus.VICTIM,
        legal_regime=LegalRegime.LAW_2024,
    )
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"))
    case_url = f"{url}/cases/{case.public_id}/"
    row = f"[data-testid=support-plan] tr[data-item={HARDSHIP}]"

    # 1. The caseworker sees each entitlement of a law-2024 victim with its reason; no rate is
    # seeded, so the plan says so instead of inventing an amount.
    page = new_page("caseworker")
    sign_in(page, url, "social.caseworker")
    plan = open_support_plan(page, case_url)
    rows = plan.locator("tbody tr[data-item]")
    expect(rows).to_have_count(LAW_2024_VICTIM_ITEMS)
    for index in range(LAW_2024_VICTIM_ITEMS):
        expect(rows.nth(index).locator("td").nth(1)).to_contain_text(VIETNAMESE_VICTIM)
    expect(plan.locator("[data-testid=rate-not-set]").first).to_be_visible()
    expect(page.locator(f"{row} [data-testid=rate-not-set]")).to_have_text(vietnamese(_("rate not set")))
    expect(page.locator(f"[data-testid=claims-{HARDSHIP}]")).to_contain_text(vietnamese(_("not claimed")))
    assert_clean(page)
    # Not save_screenshot(): hiding the caret leaves style="" on every input, which htmx's
    # settling then copies onto the swapped-in inputs of the same id, against the CSP.
    page.screenshot(path=str(RESULTS_DIR / "support-plan-entitlements.png"), full_page=True, caret="initial")

    # 2. The hardship claim on Form 07, decided by the agency itself (social protection).
    claim_form = f"[data-testid=claim-form-{HARDSHIP}]"
    open_details(page, claim_form)
    expect(page.locator(f"details:has({claim_form}) > summary")).to_contain_text("Mẫu số 07")
    form = page.locator(claim_form)
    form.locator("[name=deciding_agency]").select_option(str(social.pk))
    form.locator("[name=documents]").fill(DOCUMENTS)
    post_through_htmx(page, claim_form)
    expect(page.locator("[data-testid=support-notice]")).to_have_text(vietnamese(_("The claim is filed.")))
    claim = Claim.objects.get(case=case)
    assert (claim.item.code, claim.status, claim.deciding_agency, claim.filed_by) == (
        HARDSHIP,
        ClaimStatus.FILED,
        social,
        worker,
    )
    assert claim.due_on is not None and claim.due_on > claim.filed_on
    claims_cell = page.locator(f"[data-testid=claims-{HARDSHIP}]")
    expect(claims_cell.locator("[data-testid=claim-status]")).to_have_text(vietnamese(ClaimStatus.FILED.label))
    expect(claims_cell).to_contain_text(claim.due_on.strftime("%d/%m/%Y"))
    expect(page.locator(claim_form)).to_have_count(0)  # one open claim at a time
    expect(claims_cell.locator("[data-testid=decide-form]")).to_have_count(0)  # the supervisor decides
    assert_clean(page)

    # 3. The supervisor decides, in a browser of her own: approving without the amount is
    # refused and the form comes back open with the reason she typed; then with the amount.
    boss_page = new_page("supervisor")
    sign_in(boss_page, url, "social.supervisor")
    open_support_plan(boss_page, case_url)
    decide_form = "[data-testid=decide-form]"  # the one claim awaiting a decision
    expect(boss_page.locator(f"[data-testid=claims-{HARDSHIP}] {decide_form}")).to_have_count(1)
    open_details(boss_page, decide_form)
    form = boss_page.locator(decide_form)
    form.locator("[name=approve][value='1']").check()
    form.locator("[name=reason]").fill(DECISION_REASON)
    post_through_htmx(boss_page, decide_form, status=400)
    form = boss_page.locator(decide_form)
    expect(form).to_be_visible()  # the swapped plan opens the form that was refused
    expect(form.locator(".alert-danger")).to_have_text(
        vietnamese(_("Give the approved amount as a whole number of VND greater than zero."))
    )
    expect(form.locator("[name=reason]")).to_have_value(DECISION_REASON)
    expect(form.locator("[name=approve][value='1']")).to_be_checked()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.FILED
    form.locator("[name=amount_decided_vnd]").fill(str(AMOUNT))
    post_through_htmx(boss_page, decide_form)
    expect(boss_page.locator("[data-testid=support-notice]")).to_have_text(vietnamese(_("The decision is recorded.")))
    claims_cell = boss_page.locator(f"[data-testid=claims-{HARDSHIP}]")
    expect(claims_cell.locator("[data-testid=claim-status]")).to_have_text(vietnamese(ClaimStatus.APPROVED.label))
    expect(claims_cell).to_contain_text(vnd(AMOUNT))
    expect(claims_cell).to_contain_text(DECISION_REASON)
    expect(claims_cell.locator("[data-testid=decide-form]")).to_have_count(0)
    assert_clean(boss_page, allowed=(REFUSED_DECISION,))

    # 4. The caseworker reloads the case page and records the payment against the approval.
    plan = open_support_plan(page, case_url)
    payment_form = f"[data-testid=payment-form-{HARDSHIP}]"
    open_details(page, payment_form)
    form = page.locator(payment_form)
    expect(form.locator("[name=paid_on]")).to_have_value(timezone.localdate().isoformat())
    expect(form.locator("[name=claim]")).to_have_value(str(claim.public_id))
    form.locator("[name=amount_vnd]").fill(str(AMOUNT))
    form.locator("[name=receipt_ref]").fill(RECEIPT)
    post_through_htmx(page, payment_form)
    expect(page.locator("[data-testid=support-notice]")).to_have_text(vietnamese(_("The payment is recorded.")))
    expect(page.locator(f"[data-testid=paid-{HARDSHIP}]")).to_have_text(vnd(AMOUNT))
    expect(page.locator(f"{row} td").last).to_have_text(vnd(0))
    expect(page.locator(payment_form)).to_have_count(0)  # nothing left to pay
    assert_clean(page)
    save_screenshot(page, "support-plan-paid")  # the last swap is done
    page.locator("#support").screenshot(path="/tmp/support-plan.png")

    claim.refresh_from_db()
    assert (claim.status, claim.amount_decided_vnd, claim.decided_by) == (ClaimStatus.APPROVED, AMOUNT, boss)
    assert claim.decision_reason == DECISION_REASON
    payment = Payment.objects.get(case=case)
    assert (payment.item_id, payment.claim, payment.amount_vnd) == (claim.item_id, claim, AMOUNT)
    assert (payment.payer_agency, payment.receipt_ref, payment.recorded_by) == (social, RECEIPT, worker)
    support_audit = AuditEvent.objects.filter(case=case, classes=[SensitivityClass.SUPPORT])
    created = support_audit.filter(action=AuditEvent.Action.CREATE)
    claim_id = str(claim.public_id)
    assert created.filter(object_type="claim", object_id=claim_id, actor=worker).exists()
    assert created.filter(object_type="payment", object_id=str(payment.pk), actor=worker).exists()
    decided = support_audit.filter(action=AuditEvent.Action.TRANSITION, object_type="claim", object_id=claim_id)
    assert decided.filter(actor=boss).exists()
    assert support_audit.filter(action=AuditEvent.Action.VIEW, actor=boss).exists()
