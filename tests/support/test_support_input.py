"""The support forms refuse malformed input with a 4xx rather than a 500 and write nothing, and
no claim is decided or paid through another case's URL or beyond its decided amount."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, Case, LegalRegime
from support.models import CapExtension, Claim, ClaimStatus, Payment
from tests.fixtures.personas import sign_in
from tests.fixtures.support import HTMX, HUGE, approved, filed, pay_form, victim

pytestmark = pytest.mark.django_db


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
