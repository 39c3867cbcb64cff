"""Who files, decides and pays: only the item's deciding role of the deciding agency decides,
never the filer; only the owner or the approving agency pays; other agencies and roles act on
nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from casework.models import AuditEvent, CaseGrant, Country, Role
from support.actions import LedgerError, SupportError, do_decide_claim, do_record_payment
from support.models import CapExtension, Claim, ClaimStatus, ItemRate, Payment, SupportItem
from tests.fixtures.chain import fresh, new_person_case
from tests.fixtures.personas import acting, make_agency, make_user, sign_in
from tests.fixtures.support import HTMX, claim, filed, identify, pay_form, victim

pytestmark = pytest.mark.django_db


def test_outsiders_cannot_decide_pay_file_or_extend(social):
    case = victim(social)
    claim = filed(social, case)
    posts = {
        reverse("support:case-claim", args=[case.public_id]): {
            "item": "l53-i",
            "deciding_agency": social.social.pk,
            "documents": "x",
        },
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]): {
            "approve": "1",
            "reason": "x",
            "amount_decided_vnd": "100",
        },
        reverse("support:case-payment", args=[case.public_id]): pay_form(None, item="l53-e"),
        reverse("support:case-cap-extension", args=[case.public_id]): {
            "item": "l53-a",
            "extra_days": "30",
            "decision_number": "1",
            "decided_by": "x",
            "decided_on": timezone.localdate().isoformat(),
            "reason": "x",
        },
    }
    for persona in (social.shelter, social.outsider, social.other_supervisor):
        client = sign_in(persona)
        for url, form in posts.items():
            assert client.post(url, form, **HTMX).status_code == 404, (persona, url)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.FILED
    assert not Payment.objects.exists() and not CapExtension.objects.exists()
    assert Claim.objects.filter(case=case).count() == 1


def test_the_deciding_agencys_caseworker_cannot_decide_a_supervisors_claim(social):
    case = victim(social)
    claim = filed(social, case)
    response = sign_in(social.social_worker).post(
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]),
        {"approve": "1", "reason": "x", "amount_decided_vnd": "100"},
        **HTMX,
    )
    assert response.status_code in (400, 404)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.FILED


def test_the_owning_supervisor_cannot_decide_a_claim_sent_to_another_agency(social):
    case = victim(social)
    claim = filed(social, case)
    response = sign_in(social.supervisor).post(
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]),
        {"approve": "1", "reason": "x", "amount_decided_vnd": "100"},
        **HTMX,
    )
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.FILED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, case=case).exists()


def test_a_refusal_ends_the_deciding_agencys_sight_of_the_case(social):
    case = victim(social)
    claim = filed(social, case)
    boss = sign_in(social.social_supervisor)
    plan_url = reverse("support:case-support", args=[case.public_id])
    assert boss.get(plan_url).status_code == 200
    response = boss.post(
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]),
        {"approve": "0", "reason": "Không đủ giấy tờ"},
        **HTMX,
    )
    assert response.status_code in (200, 404)  # the plan it answers with may already be out of reach
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REFUSED
    assert sign_in(social.social_supervisor).get(plan_url).status_code == 404
    payment = sign_in(social.social_supervisor).post(
        reverse("support:case-payment", args=[case.public_id]), pay_form(None, item="l53-e"), **HTMX
    )
    assert payment.status_code == 404 and not Payment.objects.exists()


def test_shelter_staff_and_agency_admins_of_the_owner_cannot_pay(social):
    case = victim(social)
    admin = make_user("p.admin", social.police, Role.AGENCY_ADMIN)
    actions_grant = CaseGrant.objects.filter(case=case).count()
    # The admin sees the support lines and may not pay (403, decision 62); the shelter staff do
    # not hold `support` at all (404).
    for persona, status in ((admin, 403), (social.shelter, 404)):
        response = sign_in(persona).post(
            reverse("support:case-payment", args=[case.public_id]), pay_form(None, item="l53-e"), **HTMX
        )
        assert response.status_code == status
    assert not Payment.objects.exists()
    assert CaseGrant.objects.filter(case=case).count() == actions_grant


def test_the_filer_cannot_decide_even_as_a_supervisor_of_the_deciding_agency(sp):
    from casework.actions import do_add_membership

    do_add_membership(sp.worker, sp.social, Role.SUPERVISOR, actor=None)
    filed = claim(sp)
    with translation.override("en"), pytest.raises(SupportError, match="filed a claim cannot decide"):
        do_decide_claim(filed, approve=True, reason="x", amount_decided_vnd=1, actor=acting(sp.worker, sp.social))
    assert Claim.objects.get(pk=filed.pk).status == "filed"


def test_the_decider_must_act_as_the_deciding_role(sp):
    from casework.actions import do_add_membership

    do_add_membership(sp.boss, sp.police, Role.CASEWORKER, actor=None)
    filed = claim(sp)
    boss = acting(sp.boss, sp.police)  # signed in for the police, not for the deciding agency
    with translation.override("en"), pytest.raises(SupportError, match="decides this claim"):
        do_decide_claim(filed, approve=True, reason="x", amount_decided_vnd=1, actor=boss)
    boss.active_membership = sp.boss.memberships.get(agency=sp.social, role=Role.SUPERVISOR)
    assert (
        do_decide_claim(filed, approve=True, reason="Đủ điều kiện", amount_decided_vnd=1_000_000, actor=boss).status
        == "approved"
    )


def test_payments_follow_the_claim_the_rate_and_the_decision_date(sp):
    filed = claim(sp)
    approved = do_decide_claim(filed, approve=True, reason="Đủ", amount_decided_vnd=1_000_000, actor=acting(sp.boss))
    other = make_agency("f-other", "social_protection", "HN")
    today = timezone.localdate()
    base = {"paid_on": today, "receipt_ref": "PC-1", "actor": sp.worker}
    with translation.override("en"):
        with pytest.raises(LedgerError, match="approved the claim"):
            do_record_payment(sp.case, item=sp.hardship, claim=approved, amount_vnd=1, payer_agency=other, **base)
        with pytest.raises(LedgerError, match="before the claim was approved"):
            do_record_payment(
                sp.case, item=sp.hardship, claim=approved, amount_vnd=1, payer_agency=sp.social,
                **(base | {"paid_on": today - datetime.timedelta(days=3)}),
            )  # fmt: skip
        with pytest.raises(LedgerError, match="in kind"):
            do_record_payment(
                sp.case, item=SupportItem.objects.get(code="l53-b"), amount_vnd=1, payer_agency=sp.social, **base
            )
        essentials = SupportItem.objects.get(code="l53-a")
        with pytest.raises(LedgerError, match="No rate is set"):
            do_record_payment(sp.case, item=essentials, amount_vnd=1, payer_agency=sp.social, **base)
        ItemRate.objects.create(item=essentials, effective_from="2025-01-01", amount_vnd=50_000, legal_basis="test")
        with pytest.raises(LedgerError, match="120 days"):
            do_record_payment(sp.case, item=essentials, amount_vnd=120 * 50_000 + 1, payer_agency=sp.social, **base)
    assert do_record_payment(
        sp.case, item=essentials, amount_vnd=120 * 50_000, payer_agency=sp.social, **base
    ).amount_vnd


def test_the_lead_social_agency_files_claims_and_a_placement_receiver_does_not(chain):
    from referrals import routing
    from tests.fixtures.chain import accept, referral_to

    case = new_person_case(chain.commune, chain.commune_worker)

    case.person.nationality = Country.objects.get(alpha2="VN")
    case.person.save()
    routing.route_case(case.pk)
    accept(referral_to(case, "protection_support", chain.syt), chain.syt_worker)
    identify(case, chain)
    data = {"item": "l53-k", "deciding_agency": chain.syt.pk, "documents": "Mẫu số 07"}
    url = reverse("support:case-claim", args=[case.public_id])
    assert sign_in(chain.commune_worker).post(url, data).status_code in (403, 404)  # the former lead
    assert sign_in(chain.syt_worker).post(url, data).status_code in (200, 302)
    assert fresh(case).claims.get().filed_by == chain.syt_worker
