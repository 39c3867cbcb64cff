"""The handover form page is audited when opened, and a form refused for invalid input leaves
a `refused` row naming the fields, never what was typed (decision 174)."""

import pytest

from casework.models import AuditEvent, SensitivityClass
from tests.fixtures.personas import sign_in
from tests.referrals.test_handover_minutes import accepted, form_data

pytestmark = pytest.mark.django_db


def test_opening_the_handover_form_is_audited(net):
    referral = accepted(net)
    client = sign_in(net.social_worker)
    assert client.get(f"/referrals/{referral.public_id}/handover/").status_code == 200
    row = AuditEvent.objects.filter(actor=net.social_worker, action=AuditEvent.Action.VIEW).latest("id")
    assert row.case == net.case and row.object_type == "referral" and row.object_id == str(referral.public_id)
    assert row.classes == [SensitivityClass.CORE] and row.detail == {"page": "handover-form"}


def test_an_invalid_handover_form_is_a_refused_row(net):
    referral = accepted(net)
    client = sign_in(net.social_worker)
    response = client.post(
        f"/referrals/{referral.public_id}/handover/", form_data(receiver_officers="", signed_by=None)
    )
    assert response.status_code == 400
    row = AuditEvent.objects.get(actor=net.social_worker, action=AuditEvent.Action.REFUSED)
    assert row.case == net.case
    assert row.detail == {"action": "handover", "reason": "invalid form", "fields": ["receiver_officers", "signed_by"]}
    assert "Thiếu tá" not in str(row.detail)
