"""Support-class data only for holders of `support`: no names where claims are listed, timeline
lines hidden from others, and every look at the plan or the claims to decide audited."""

import pytest
from django.urls import reverse

from casework import actions
from casework.models import AuditEvent, CaseGrant, Role, SensitivityClass
from tests.fixtures.personas import sign_in
from tests.fixtures.support import HTMX, NAME, approved, filed, pay_form, victim

pytestmark = pytest.mark.django_db


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


def test_refusals_of_the_support_forms_are_audited(sp):
    url = reverse("support:case-claim", args=[sp.case.public_id])
    client = sign_in(sp.worker)
    denied = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count()
    assert client.post(url, {"item": "no-such-item"}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count() == denied + 1
    views = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, case=sp.case).count()
    assert client.post(url, {"item": "l53-k", "documents": ""}, HTTP_HX_REQUEST="true").status_code == 400
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, case=sp.case).count() == views + 1
