"""Review probes of the support entitlements: support-class data only with `support`, no names
where claims are listed, no deciding or paying through another agency's or another case's URL,
and malformed input refused with a 4xx rather than a 500."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import actions
from casework.models import (
    AuditEvent,
    Case,
    CaseGrant,
    Country,
    LegalRegime,
    Person,
    PersonStatus,
    Role,
    SensitivityClass,
)
from support.models import CapExtension, Claim, ClaimStatus, Payment, SupportItem
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in

pytestmark = pytest.mark.django_db

NAME = "Nguyễn Thị Lan"
HTMX = {"HTTP_HX_REQUEST": "true"}
HUGE = str(2**64)


@pytest.fixture
def social(world):
    world.social = make_agency("p-social", "social_protection", "LCA")
    world.social_worker = make_user("p.social.worker", world.social, Role.CASEWORKER)
    world.social_supervisor = make_user("p.social.boss", world.social, Role.SUPERVISOR)
    return world


def victim(world, **fields):
    case = make_case(
        world.police,
        acting(world.owner),
        person_status=PersonStatus.VICTIM,
        legal_regime=LegalRegime.LAW_2024,
        identified_on=timezone.localdate() - datetime.timedelta(days=30),
        **fields,
    )
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"), poor_household=True)
    return Case.objects.get(pk=case.pk)


def filed(world, case, agency=None) -> Claim:
    response = sign_in(world.owner).post(
        reverse("support:case-claim", args=[case.public_id]),
        {"item": "l53-k", "deciding_agency": (agency or world.social).pk, "documents": "Mẫu số 07"},
        **HTMX,
    )
    assert response.status_code == 200
    return Claim.objects.get(case=case, item__code="l53-k", status=ClaimStatus.FILED)


def approved(world, case, amount=2_000_000) -> Claim:
    claim = filed(world, case)
    response = sign_in(world.social_supervisor).post(
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]),
        {"approve": "1", "reason": "Đủ điều kiện", "amount_decided_vnd": str(amount)},
        **HTMX,
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    return claim


def pay_form(for_claim=None, **values):
    form = {
        "item": "l53-k",
        "claim": str(for_claim.public_id) if for_claim else "",
        "paid_on": timezone.localdate().isoformat(),
        "receipt_ref": "PC-1",
        "amount_vnd": "1000",
    }
    return form | values


# Malformed input: 4xx, never 500, nothing written -------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"amount_vnd": "abc"},
        {"amount_vnd": HUGE},
        {"amount_vnd": "-5"},
        {"amount_vnd": "1.5"},
        {"amount_vnd": ""},
        {"paid_on": "31/02/2026"},
        {"receipt_ref": ""},
        {"claim": "not-a-uuid"},
    ],
)
def test_malformed_payments_are_refused_with_400(social, values):
    case = victim(social)
    claim = approved(social, case)
    response = sign_in(social.owner).post(
        reverse("support:case-payment", args=[case.public_id]), pay_form(claim, **values), **HTMX
    )
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_a_payment_at_the_largest_bigint_plus_one_is_refused(social):
    case = victim(social)
    claim = approved(social, case, amount=2**63 - 1)
    response = sign_in(social.owner).post(
        reverse("support:case-payment", args=[case.public_id]), pay_form(claim, amount_vnd=str(2**63)), **HTMX
    )
    assert response.status_code == 400 and not Payment.objects.exists()


def test_an_unknown_or_missing_item_code_is_404(social):
    case = victim(social)
    client = sign_in(social.owner)
    for name in ("case-payment", "case-claim", "case-cap-extension"):
        for code in ("no-such-item", "", "l53-k' OR 1=1 --"):
            response = client.post(reverse(f"support:{name}", args=[case.public_id]), {"item": code}, **HTMX)
            assert response.status_code == 404, (name, code)
    assert not Payment.objects.exists() and not Claim.objects.exists() and not CapExtension.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {"amount_requested_vnd": HUGE},
        {"amount_requested_vnd": "abc"},
        {"amount_requested_vnd": "-1"},
        {"deciding_agency": "abc"},
        {"deciding_agency": "999999"},
        {"deciding_agency": ""},
        {"documents": ""},
        {"documents": "   "},
    ],
)
def test_malformed_claims_are_refused_with_400(social, values):
    case = victim(social)
    form = {"item": "l53-k", "deciding_agency": social.social.pk, "documents": "Mẫu số 07"} | values
    response = sign_in(social.owner).post(reverse("support:case-claim", args=[case.public_id]), form, **HTMX)
    assert response.status_code == 400
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {"approve": "1", "reason": "x", "amount_decided_vnd": HUGE},
        {"approve": "1", "reason": "x", "amount_decided_vnd": str(2**63)},
        {"approve": "1", "reason": "x", "amount_decided_vnd": "abc"},
        {"approve": "1", "reason": "x", "amount_decided_vnd": "0"},
        {"approve": "maybe", "reason": "x"},
        {"reason": "x"},
        {"approve": "0", "reason": "   "},
        {"approve": "0", "reason": "x", "amount_decided_vnd": "100"},
    ],
)
def test_malformed_decisions_are_refused_with_400(social, values):
    case = victim(social)
    claim = filed(social, case)
    response = sign_in(social.social_supervisor).post(
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]), values, **HTMX
    )
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.FILED and claim.amount_decided_vnd is None


@pytest.mark.parametrize(
    "values",
    [
        {"extra_days": str(10**30)},
        {"extra_days": "0"},
        {"extra_days": "abc"},
        {"decided_on": "2026-13-45"},
        {"decision_number": "x" * 81},
    ],
)
def test_malformed_cap_extensions_are_refused_with_400(world, values):
    case = victim(world)
    form = {
        "item": "l53-a",
        "extra_days": "30",
        "decision_number": "12/QĐ-SYT",
        "decided_by": "Sở Y tế",
        "decided_on": timezone.localdate().isoformat(),
        "reason": "x",
    } | values
    response = sign_in(world.owner).post(reverse("support:case-cap-extension", args=[case.public_id]), form, **HTMX)
    assert response.status_code == 400 and not CapExtension.objects.exists()


def test_the_2011_meals_cap_cannot_be_extended_through_the_form(world):
    case = victim(world)
    Case.objects.filter(pk=case.pk).update(legal_regime=LegalRegime.LAW_2011)
    form = {
        "item": "d09-meals",
        "extra_days": "30",
        "decision_number": "1",
        "decided_by": "x",
        "decided_on": timezone.localdate().isoformat(),
        "reason": "x",
    }
    response = sign_in(world.owner).post(reverse("support:case-cap-extension", args=[case.public_id]), form, **HTMX)
    assert response.status_code == 400 and not CapExtension.objects.exists()


# Another case's claim through this case's URL ------------------------------------------------


def test_a_claim_of_case_a_cannot_be_decided_through_case_b(social):
    case_a, case_b = victim(social), victim(social, name="Trần Văn B")
    claim_a = filed(social, case_a)
    filed(social, case_b)  # the deciding supervisor holds support on case B too
    response = sign_in(social.social_supervisor).post(
        reverse("support:case-claim-decide", args=[case_b.public_id, claim_a.public_id]),
        {"approve": "1", "reason": "x", "amount_decided_vnd": "100"},
        **HTMX,
    )
    assert response.status_code == 404
    claim_a.refresh_from_db()
    assert claim_a.status == ClaimStatus.FILED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, case=case_b).exists()


def test_a_claim_of_case_a_cannot_be_paid_through_case_b(social):
    case_a, case_b = victim(social), victim(social, name="Trần Văn B")
    claim_a = approved(social, case_a)
    response = sign_in(social.owner).post(
        reverse("support:case-payment", args=[case_b.public_id]), pay_form(claim_a), **HTMX
    )
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_paying_more_than_decided_in_two_steps_is_refused(social):
    case = victim(social)
    claim = approved(social, case, amount=1_000)
    client = sign_in(social.owner)
    url = reverse("support:case-payment", args=[case.public_id])
    assert client.post(url, pay_form(claim, amount_vnd="600"), **HTMX).status_code == 200
    assert client.post(url, pay_form(claim, amount_vnd="600", receipt_ref="PC-2"), **HTMX).status_code == 400
    assert sum(Payment.objects.values_list("amount_vnd", flat=True)) == 600


# Other agencies and roles ---------------------------------------------------------------------


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


# No names where claims are listed; support only with support --------------------------------


def test_the_inbox_claims_list_and_the_timeline_lines_carry_no_name(social):
    case = victim(social)
    claim = approved(social, case)
    sign_in(social.owner).post(reverse("support:case-payment", args=[case.public_id]), pay_form(claim), **HTMX)
    filed_again = victim(social, name="Lò Thị Mai")
    filed(social, filed_again)
    inbox = sign_in(social.social_supervisor).get("/referrals/")
    html = inbox.content.decode()
    assert filed_again.reference in html
    assert "Lò Thị Mai" not in html and NAME not in html
    lines = list(case.events.filter(sensitivity=SensitivityClass.SUPPORT).values_list("reason", flat=True))
    assert len(lines) >= 3
    assert not any(NAME in line for line in lines)
    details = [str(row) for row in AuditEvent.objects.filter(case=case).values_list("detail", flat=True)]
    assert not any(NAME in detail for detail in details)


def test_support_timeline_lines_are_hidden_from_holders_without_support(social):
    case = victim(social)
    actions.grant_case(
        case,
        group=social.shelter_agency.role_groups.get(role=Role.SHELTER_STAFF).group,
        classes=[SensitivityClass.CORE, SensitivityClass.IDENTITY, SensitivityClass.HEALTH, SensitivityClass.SHELTER],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-PROBE-1",
        actor=social.owner,
    )
    approved(social, case)
    page = sign_in(social.shelter).get(reverse("casework:case-detail", args=[case.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2.000.000" not in html and "Trợ cấp khó khăn ban đầu" not in html
    assert reverse("support:case-support", args=[case.public_id]) not in html


def test_the_deciding_agency_sees_support_but_not_identity(social):
    case = victim(social)
    filed(social, case)
    page = sign_in(social.social_supervisor).get(reverse("casework:case-detail", args=[case.public_id]))
    assert page.status_code == 200
    assert NAME not in page.content.decode()


def test_the_plan_and_inbox_views_are_audited_with_the_support_class(social):
    case = victim(social)
    filed(social, case)
    before = AuditEvent.objects.count()
    sign_in(social.social_supervisor).get(reverse("support:case-support", args=[case.public_id]))
    sign_in(social.social_supervisor).get("/referrals/")
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert any(r.action == AuditEvent.Action.VIEW and r.classes == ["support"] and r.case == case for r in rows)
    assert any(r.action == AuditEvent.Action.LIST and "support" in r.classes for r in rows)


def test_the_catalogue_keeps_poor_household_and_twelve_month_rules(reference_data):
    items = {item.code: item for item in SupportItem.objects.all()}
    assert items["d09-hardship"].poor_household_only and items["d09-education"].poor_household_only
    assert not items["d09-vocational"].poor_household_only
    assert {code for code, item in items.items() if item.claim_within_months == 12} == {
        "d09-education",
        "d09-vocational",
        "d09-hardship",
    }
    assert {code for code, item in items.items() if item.claim_form == "Mẫu số 07"} == {"l53-h", "l53-i", "l53-k"}
    assert all(items[code].decision_working_days == 9 for code in ("l53-h", "l53-i", "l53-k"))
    assert (items["l53-a"].cap_days, items["l53-a"].extendable) == (120, True)
    assert (items["d09-meals"].cap_days, items["d09-meals"].extendable) == (60, False)
