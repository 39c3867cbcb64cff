"""The support plan on the case page: each entitlement with its reason, its rate or "rate not
set", claims and payments; only for holders of `support`; queries do not grow with items."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, Country, LegalRegime, Person, PersonStatus
from support.models import Claim, ItemRate, Payment, SupportItem
from tests.fixtures.personas import acting, make_case, sign_in
from tests.fixtures.queries import page_queries

pytestmark = pytest.mark.django_db


def victim(world, status=PersonStatus.VICTIM):
    # An accompanying under-18 is a child at reception (decision 210).
    birth_year = timezone.localdate().year - (8 if status == PersonStatus.ACCOMPANYING_CHILD else 27)
    case = make_case(
        world.police,
        acting(world.owner),
        birth_year=birth_year,
        person_status=status,
        legal_regime=LegalRegime.LAW_2024,
    )
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
    response = sign_in(world.owner).get(reverse("support:case-support", args=[case.public_id]))
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
    url = reverse("support:case-support", args=[case.public_id])
    assert sign_in(world.shelter).get(url).status_code == 404  # core, identity, health, shelter only
    assert sign_in(world.outsider).get(url).status_code == 404
    page = sign_in(world.owner).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert url in page
    shelter_page = sign_in(world.shelter).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert url not in shelter_page


def test_the_plan_queries_do_not_grow_with_items(world):
    client = sign_in(world.owner)
    child = victim(world, PersonStatus.ACCOMPANYING_CHILD)
    few, _response = page_queries(client, reverse("support:case-support", args=[child.public_id]))
    adult = victim(world)
    many, response = page_queries(client, reverse("support:case-support", args=[adult.public_id]))
    assert response.content.decode().count("<tr data-item=") == 10
    assert few == many <= 20


def test_the_support_forms_are_404_without_support_and_audited(world):
    import uuid

    case = victim(world)
    claim = Claim.objects.create(
        case=case, item=SupportItem.objects.get(code="l53-k"), deciding_agency=world.police,
        filed_on=timezone.localdate(), filed_by=world.owner, documents="Đơn",
    )  # fmt: skip
    urls = [
        reverse("support:case-claim", args=[case.public_id]),
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]),
        reverse("support:case-claim-decide", args=[case.public_id, uuid.uuid4()]),
        reverse("support:case-payment", args=[case.public_id]),
    ]
    for persona in (world.shelter, world.outsider, world.other_supervisor):
        client = sign_in(persona)
        for url in urls:
            denied = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count()
            response = client.post(url, {"item": "l53-k", "approve": "1", "reason": "x", "documents": "x"})
            assert response.status_code == 404, (persona, url)
            assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count() == denied + 1
    assert Claim.objects.get(pk=claim.pk).status == "filed"
    assert not Payment.objects.exists()
    assert sign_in(world.owner).get(urls[0]).status_code == 405


def test_a_hardship_claim_filed_approved_and_paid_through_the_plan(world):
    from casework.models import Role
    from tests.fixtures.personas import make_agency, make_user

    social = make_agency("sp-social", "social_protection", "LCA")
    worker = make_user("sp.worker", social, Role.CASEWORKER)
    boss = make_user("sp.boss", social, Role.SUPERVISOR)
    case = make_case(social, acting(worker), person_status=PersonStatus.VICTIM, legal_regime=LegalRegime.LAW_2024)
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"))
    plan_url = reverse("support:case-support", args=[case.public_id])
    htmx = {"HTTP_HX_REQUEST": "true"}

    filing = sign_in(worker).post(
        reverse("support:case-claim", args=[case.public_id]),
        {"item": "l53-k", "deciding_agency": social.pk, "documents": "Đơn theo Mẫu số 07; giấy xác nhận nạn nhân"},
        **htmx,
    )
    assert filing.status_code == 200 and 'data-testid="support-notice"' in filing.content.decode()
    claim = Claim.objects.get(case=case)
    assert claim.status == "filed" and claim.due_on is not None

    boss_client = sign_in(boss)
    assert 'data-testid="decide-form"' in boss_client.get(plan_url, **htmx).content.decode()
    refused = boss_client.post(
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]),
        {"approve": "1", "reason": "Đủ điều kiện"},
        **htmx,
    )
    assert refused.status_code == 400  # approving money needs the amount; what was typed stays
    assert "Đủ điều kiện" in refused.content.decode()
    approved = boss_client.post(
        reverse("support:case-claim-decide", args=[case.public_id, claim.public_id]),
        {"approve": "1", "reason": "Đủ điều kiện", "amount_decided_vnd": "2000000"},
        **htmx,
    )
    assert approved.status_code == 200
    claim.refresh_from_db()
    assert (claim.status, claim.amount_decided_vnd, claim.decided_by) == ("approved", 2_000_000, boss)

    pay = {
        "item": "l53-k",
        "claim": str(claim.public_id),
        "paid_on": timezone.localdate().isoformat(),
        "receipt_ref": "PC-7",
    }
    too_much = sign_in(worker).post(
        reverse("support:case-payment", args=[case.public_id]), pay | {"amount_vnd": "2500000"}, **htmx
    )  # noqa: E501
    assert too_much.status_code == 400 and not Payment.objects.exists()
    paid = sign_in(worker).post(
        reverse("support:case-payment", args=[case.public_id]), pay | {"amount_vnd": "2000000"}, **htmx
    )  # noqa: E501
    assert paid.status_code == 200
    html = paid.content.decode()
    assert "2.000.000 ₫" in html
    assert Payment.objects.get(case=case).amount_vnd == 2_000_000


def test_the_essential_needs_cap_is_extended_by_a_recorded_decision(world):
    from support.actions import SupportError, do_extend_cap
    from support.models import CapExtension

    case = victim(world)
    url = reverse("support:case-cap-extension", args=[case.public_id])
    client = sign_in(world.owner)
    htmx = {"HTTP_HX_REQUEST": "true"}
    form = {"item": "l53-a", "extra_days": "30", "decided_by": "Sở Y tế", "decided_on": "2099-01-01", "reason": "x"}
    refused = client.post(url, form, **htmx)  # no decision number, and a date in the future
    assert refused.status_code == 400 and not CapExtension.objects.exists()
    form |= {"decision_number": "12/QĐ-SYT", "decided_on": timezone.localdate().isoformat()}
    done = client.post(url, form, **htmx)
    assert done.status_code == 200
    assert "150" in done.content.decode()  # 120 + 30 days allowed
    assert CapExtension.objects.get(case=case).extra_days == 30
    with pytest.raises(SupportError):
        do_extend_cap(
            case, item=SupportItem.objects.get(code="l53-b"), extra_days=5, decision_number="1", decided_by="x",
            decided_on=timezone.localdate(), reason="x", actor=world.owner,
        )  # fmt: skip
    assert sign_in(world.shelter).post(url, form).status_code == 404


def test_a_per_day_item_without_a_rate_offers_no_payment(world):
    case = victim(world)
    url = reverse("support:case-support", args=[case.public_id])
    client = sign_in(world.owner)
    assert 'data-testid="payment-form-l53-a"' not in client.get(url).content.decode()
    ItemRate.objects.create(
        item=SupportItem.objects.get(code="l53-a"), effective_from="2025-01-01", amount_vnd=50_000, legal_basis="x"
    )  # noqa: E501
    assert 'data-testid="payment-form-l53-a"' in client.get(url).content.decode()
