"""Regression tests for the support review: who decides and pays, what a payment may be, the
child of a foreign victim, and audit rows on refusals."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from casework.models import AuditEvent, Case, Country, LegalRegime, Person, PersonStatus, Role
from support.actions import LedgerError, SupportError, do_decide_claim, do_file_claim, do_record_payment
from support.entitlements import entitlements
from support.models import Claim, ItemRate, SupportItem
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in

pytestmark = pytest.mark.django_db

LAW_2024 = {"legal_regime": LegalRegime.LAW_2024}


@pytest.fixture
def sp(world):
    world.social = make_agency("f-social", "social_protection", "LCA")
    world.worker = make_user("f.worker", world.social, Role.CASEWORKER)
    world.boss = make_user("f.boss", world.social, Role.SUPERVISOR)
    case = make_case(
        world.social, acting(world.worker), person_status=PersonStatus.VICTIM, legal_regime=LegalRegime.LAW_2024
    )
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"))
    world.case = Case.objects.get(pk=case.pk)
    world.hardship = SupportItem.objects.get(code="l53-k")
    return world


def claim(w, by=None) -> Claim:
    return do_file_claim(w.case, item=w.hardship, deciding_agency=w.social, documents="Mẫu số 07", actor=by or w.worker)


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


def test_a_child_with_a_foreign_victim_is_owed_the_foreign_row(sp):
    adult = make_case(
        sp.social, acting(sp.worker), person_status=PersonStatus.VICTIM, legal_regime=LegalRegime.LAW_2024
    )
    Person.objects.filter(pk=adult.person_id).update(nationality=Country.objects.get(alpha2="CN"))
    child = make_case(
        sp.social, acting(sp.worker), person_status=PersonStatus.ACCOMPANYING_CHILD, legal_regime=LegalRegime.LAW_2024
    )
    Case.objects.filter(pk=child.pk).update(accompanies=adult)
    child = Case.objects.get(pk=child.pk)
    found = entitlements(child)
    assert [e.item.point for e in found] == ["a", "b", "c", "d", "đ", "g"]
    assert all(e.case_by_case for e in found)


def test_every_claimable_item_names_who_decides(reference_data):
    claimable = SupportItem.objects.exclude(claim_form="", claim_within_months__isnull=True)
    assert claimable.count() == 6
    assert not claimable.filter(deciding_kind__isnull=True).exists()


def test_refusals_of_the_support_forms_are_audited(sp):
    url = reverse("support:case-claim", args=[sp.case.public_id])
    client = sign_in(sp.worker)
    denied = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count()
    assert client.post(url, {"item": "no-such-item"}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count() == denied + 1
    views = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, case=sp.case).count()
    assert client.post(url, {"item": "l53-k", "documents": ""}, HTTP_HX_REQUEST="true").status_code == 400
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, case=sp.case).count() == views + 1
