"""The support plan on the case page: each entitlement with its reason, its rate or "rate not
set", claims and payments; only for holders of `support`; queries do not grow with items."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import (
    AuditEvent,
    Claim,
    Country,
    ItemRate,
    LegalRegime,
    Payment,
    Person,
    PersonStatus,
    SupportItem,
)
from tests.fixtures.personas import acting, make_case, sign_in
from tests.fixtures.queries import page_queries

pytestmark = pytest.mark.django_db


def victim(world, status=PersonStatus.VICTIM):
    case = make_case(world.police, acting(world.owner), person_status=status, legal_regime=LegalRegime.LAW_2024)
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"))
    return case


def test_the_plan_lists_each_entitlement_with_its_reason_and_rate(world):
    case = victim(world)
    hardship = SupportItem.objects.get(code="l53-k")
    ItemRate.objects.create(
        item=SupportItem.objects.get(code="l53-i"), effective_from="2025-07-01", amount_vnd=3_000_000, legal_basis="x"
    )  # noqa: E501
    claim = Claim.objects.create(
        case=case, item=hardship, deciding_agency=world.police, filed_on=timezone.localdate(), filed_by=world.owner,
        documents="Đơn", status="approved", amount_decided_vnd=2_000_000,
    )  # fmt: skip
    Payment.objects.create(
        case=case, item=hardship, claim=claim, amount_vnd=1_500_000, paid_on=timezone.localdate(),
        payer_agency=world.police, receipt_ref="PC-1", recorded_by=world.owner, recorded_at=timezone.now(),
    )  # fmt: skip
    response = sign_in(world.owner).get(reverse("casework:case-support", args=[case.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<tr data-item=") == 10
    assert "nạn nhân là công dân Việt Nam" in html
    assert "3.000.000 ₫" in html  # the vocational rate an administrator set
    assert 'data-testid="rate-not-set"' in html
    assert "1.500.000 ₫" in html and "500.000 ₫" in html  # paid and remaining
    views = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.VIEW).values_list("classes", flat=True)
    assert ["support"] in list(views)


def test_the_plan_is_only_for_holders_of_support(world):
    case = victim(world)
    url = reverse("casework:case-support", args=[case.public_id])
    assert sign_in(world.shelter).get(url).status_code == 404  # core, identity, health, shelter only
    assert sign_in(world.outsider).get(url).status_code == 404
    page = sign_in(world.owner).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert url in page
    shelter_page = sign_in(world.shelter).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert url not in shelter_page


def test_the_plan_queries_do_not_grow_with_items(world):
    client = sign_in(world.owner)
    child = victim(world, PersonStatus.ACCOMPANYING_CHILD)
    few, _response = page_queries(client, reverse("casework:case-support", args=[child.public_id]))
    adult = victim(world)
    many, response = page_queries(client, reverse("casework:case-support", args=[adult.public_id]))
    assert response.content.decode().count("<tr data-item=") == 10
    assert few == many <= 15
