"""End to end, in a real browser: the social-protection supervisor of Lào Cai opens the
inbox, ticks two of the three referrals that arrived, chooses a caseworker once and assigns
them (decision 308); the third stays unassigned, and the caseworker sees no box to tick."""

import pytest
from playwright.sync_api import expect

from casework.models import Role
from referrals.actions import do_send_referral
from referrals.models import Referral, ReferralPurpose
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in, submit
from tests.fixtures.personas import acting, make_agency, make_case, make_user


@pytest.mark.browser
def test_the_supervisor_ticks_two_referrals_and_assigns_them_to_one_caseworker(live_server, reference_data, new_page):
    police = make_agency("e2e-police", "police", "LCA")
    social = make_agency("e2e-social", "social_protection", "LCA")
    owner = acting(make_user("e2e.canbo", police, Role.CASEWORKER))
    make_user("e2e.giamsat", social, Role.SUPERVISOR)
    worker = make_user("e2e.xahoi", social, Role.CASEWORKER)
    purpose = ReferralPurpose.objects.get(code="protection_support")
    first, second, third = (
        do_send_referral(
            make_case(police, owner, name=f"Người Thử {index}"),
            purpose=purpose,
            to_agency=social,
            from_agency=police,
            actor=owner,
        )
        for index in range(3)
    )

    page = new_page("supervisor")
    sign_in(page, live_server.url, "e2e.giamsat")
    submit(page, "[data-testid=inbox-link]")
    for referral in (first, second):
        page.check(f"#pick-{referral.public_id}")
    page.select_option("#assign-worker", str(worker.pk))
    submit(page, "[data-testid=assign-form] [type=submit]")

    expect(page.locator(".messages")).to_contain_text(f"Đã phân công 2 giới thiệu cho {worker}.")
    for referral, shown in ((first, str(worker)), (second, str(worker)), (third, "—")):
        row = page.locator("[data-testid=inbox] tbody tr", has_text=referral.reference)
        expect(row.locator("td").last).to_have_text(shown)
    ours = [first.pk, second.pk, third.pk]  # registering the cases routed others of its own
    assigned = dict(Referral.objects.filter(pk__in=ours).values_list("pk", "assigned_to"))
    assert assigned == {first.pk: worker.pk, second.pk: worker.pk, third.pk: None}
    assert_clean(page)

    caseworker = new_page("caseworker")
    sign_in(caseworker, live_server.url, "e2e.xahoi")
    submit(caseworker, "[data-testid=inbox-link]")
    for referral in (first, second, third):
        expect(caseworker.locator("[data-testid=inbox] tbody tr", has_text=referral.reference)).to_have_count(1)
    expect(caseworker.locator("[data-testid=pick]")).to_have_count(0)
    expect(caseworker.locator("[data-testid=assign-form]")).to_have_count(0)
    assert_clean(caseworker)
