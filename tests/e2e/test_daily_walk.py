"""A caseworker's day in a real browser, at a tablet's 800×1280 and a laptop's 1366×768 (issue 16):
she signs in and lands on "Hôm nay", which lists each thing waiting for her — a referral to
decide, a case step with a deadline, a running verification, a task of her agency, a
notification — overdue first, and every link opens its object; then she corrects the birth year
of a child registered with the wrong year and sees the support plan change: an under-18
accompanying a victim is owed Law 53 art. 37(2)'s items, an adult companion nothing.

Screenshots of each step go to test-results/ (daily-walk-*.png).
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import Case, CaseTask, Country, LegalRegime, Person, PersonStatus, Role
from messaging import notify
from messaging.models import Notification
from referrals import actions as referral_actions
from referrals.models import OPEN_STATUSES, Referral, ReferralPurpose
from tests.e2e.conftest import assert_clean, save_screenshot
from tests.e2e.test_case_registration import submit
from tests.fixtures.chain import new_person_case
from tests.fixtures.personas import PASSWORD, acting, make_agency, make_user

VIEWPORTS = {"tablet": (800, 1280), "laptop": (1366, 768)}
LAW_53_CHILD_ITEMS = ["l53-a", "l53-b", "l53-c", "l53-d", "l53-dd", "l53-e", "l53-g", "l53-h"]


def later(**delta) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


def a_day_of_work(suffix: str):
    """The Lào Cai police caseworker's cases and what waits for her today."""
    police = make_agency(f"e2e-w-ca-{suffix}", "police", "LCA")
    social = make_agency(f"e2e-w-syt-{suffix}", "social_protection", "LCA")
    worker = make_user(f"walk.worker.{suffix}", police, Role.CASEWORKER)
    social_worker = make_user(f"walk.social.{suffix}", social, Role.CASEWORKER)
    vietnam = Country.objects.get(alpha2="VN")

    mother = new_person_case(police, worker)
    Person.objects.filter(pk=mother.person_id).update(nationality=vietnam)
    Case.objects.filter(pk=mother.pk).update(
        person_status=PersonStatus.VICTIM, legal_regime=LegalRegime.LAW_2024, identified_on=timezone.localdate()
    )
    # Her daughter, registered with the mother's birth year by mistake: an adult companion.
    child = new_person_case(police, worker, birth_year=1990, accompanies=mother)
    Person.objects.filter(pk=child.person_id).update(nationality=vietnam, full_name="Lò Thị Mỷ")
    Case.objects.filter(pk=child.pk).update(legal_regime=LegalRegime.LAW_2024)

    # What waits: a step overdue on a case assigned to her, a running verification, a task of
    # her agency, a referral sent to her agency, and a notification.
    deadline = new_person_case(police, worker)
    Case.objects.filter(pk=deadline.pk).update(assigned_to=worker, due_at=later(hours=-3))
    verifying = new_person_case(police, worker)
    Case.objects.filter(pk=verifying.pk).update(
        verification_started_at=later(days=-1), verification_due_at=later(days=2), verification_agency=police
    )
    CaseTask.objects.create(case=mother, kind=CaseTask.Kind.CHILD_COLLECTION, due_at=later(days=1))
    theirs = new_person_case(social, social_worker)
    # Registering `theirs` routes it (social protection -> verification at the police); the
    # worker may have sent that referral already, in which case it is the one waiting.
    verification = ReferralPurpose.objects.get(code="verification")
    try:
        referral = referral_actions.do_send_referral(
            theirs, purpose=verification, to_agency=police, from_agency=social, note="", actor=acting(social_worker)
        )
    except referral_actions.ReferralError:
        referral = Referral.objects.get(case=theirs, purpose=verification, to_agency=police, status__in=OPEN_STATUSES)
    notify.notify(
        users=[worker],
        agency=police,
        kind=Notification.Kind.FOLLOWUP_OUTCOME,
        params={"case": deadline.reference},
        url=f"/cases/{deadline.public_id}/",
        key=f"walk:{deadline.pk}",
    )
    return police, worker, mother, child, referral


@pytest.mark.browser
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_caseworkers_day_today_page_then_a_birth_year_correction(live_server, reference_data, new_page, viewport):
    width, height = VIEWPORTS[viewport]
    police, worker, mother, child, referral = a_day_of_work(viewport)
    page = new_page(viewport)
    page.set_viewport_size({"width": width, "height": height})
    base = live_server.url

    # 1. Sign-in lands on "Hôm nay": each kind of waiting item, overdue first.
    page.goto(f"{base}/sign-in/")
    page.fill("[name=username]", worker.username)
    page.fill("[name=password]", PASSWORD)
    submit(page, "form:has([name=password]) [type=submit]")
    expect(page).to_have_url(f"{base}/today/")
    items = page.locator("[data-testid=today-item]")
    kinds = items.evaluate_all("rows => rows.map(row => row.dataset.kind)")
    assert {"referral_decide", "case_deadline", "verification", "task"} <= set(kinds), kinds
    overdue = items.evaluate_all("rows => rows.map(row => row.classList.contains('table-warning'))")
    assert overdue[0] is True and overdue == sorted(overdue, reverse=True), overdue
    expect(page.locator("[data-testid=today-notifications] [data-testid=notification-link]")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, f"daily-walk-{viewport}-1-today")

    # 2. Every link opens its object: a 200 page that is not the not-found page.
    links = [
        *page.locator("[data-testid=today-link]").evaluate_all("links => links.map(a => a.href)"),
        *page.locator("[data-testid=notification-link]").evaluate_all("links => links.map(a => a.href)"),
    ]
    assert len(links) == len(kinds) + 1
    for href in links:
        response = page.goto(href)
        assert response is not None and response.status == 200, href
        assert re.search(r"/(cases|referrals)/[0-9a-f-]{36}/", page.url), (href, page.url)
    page.goto(f"{base}/today/")
    assert referral.reference in page.locator("[data-testid=today-items]").inner_text()

    # 3. The child's support plan: registered as an adult, she is owed nothing.
    page.goto(f"{base}/cases/{child.public_id}/support/")
    expect(page.locator("[data-testid=no-entitlement]")).to_be_visible()
    expect(page.locator("[data-testid=support-plan] tr[data-item]")).to_have_count(0)
    save_screenshot(page, f"daily-walk-{viewport}-2-plan-before")

    # 4. The caseworker corrects the birth year on the person's edit page.
    page.goto(f"{base}/cases/{child.public_id}/person/edit/")
    birth_year = timezone.localdate(child.received_at).year - 9
    page.fill("[name=birth_year]", str(birth_year))
    save_screenshot(page, f"daily-walk-{viewport}-3-correction")
    submit(page, "[data-testid=edit-form] [type=submit]")
    expect(page).to_have_url(re.compile(rf"/cases/{child.public_id}/"))
    child.refresh_from_db()
    assert (child.person.birth_year, child.is_child) == (birth_year, True)

    # 5. …and the plan now lists art. 37(2)'s items a–h.
    page.goto(f"{base}/cases/{child.public_id}/support/")
    rows = page.locator("[data-testid=support-plan] tr[data-item]")
    expect(rows).to_have_count(len(LAW_53_CHILD_ITEMS))
    assert rows.evaluate_all("rows => rows.map(row => row.dataset.item)") == LAW_53_CHILD_ITEMS
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, f"daily-walk-{viewport}-4-plan-after")
    assert_clean(page)
