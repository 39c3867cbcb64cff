"""The inbox's rows, built in Python (referrals.rows, decision 306): the markup the template
gave, every value escaped, the assignment form only for a supervisor's received rows."""

import re

from django.urls import reverse

from referrals.models import Referral
from tests.fixtures.personas import sign_in
from tests.referrals.test_inbox_pages import send

INBOX = reverse("referrals:inbox")


def received_rows(body: str) -> str:
    return body.split('data-testid="inbox"', 1)[1].split("</tbody>", 1)[0]


def test_a_received_row_shows_the_referral_and_a_supervisors_assignment_form(net):
    referral = send(net)
    body = sign_in(net.social_supervisor).get(INBOX).content.decode()
    rows = received_rows(body)
    assert f'<td><a href="/referrals/{referral.public_id}/">{referral.reference}</a>' in rows
    assert f"<td>{referral.purpose.label}</td>" in rows
    assert f"<td>{net.police.label}</td>" in rows
    assert f'<span class="badge text-bg-light border">{referral.get_status_display()}</span>' in rows
    assert 'data-testid="referral-profile"' in rows
    # The supervisor assigns: a form per row, with this session's CSRF token and her caseworkers.
    assert f'action="/referrals/{referral.public_id}/assign/"' in rows
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', rows)
    assert token and len(token.group(1)) == 64
    assert f'<option value="{net.social_worker.pk}">' in rows
    # A caseworker of the agency sees the row without the form.
    worker_rows = received_rows(sign_in(net.social_worker).get(INBOX).content.decode())
    assert referral.reference in worker_rows and "<form" not in worker_rows


def test_the_assigned_worker_is_selected_and_shown(net):
    referral = send(net)
    Referral.objects.filter(pk=referral.pk).update(assigned_to=net.social_worker)
    rows = received_rows(sign_in(net.social_supervisor).get(INBOX).content.decode())
    assert f'<option value="{net.social_worker.pk}" selected>' in rows
    assert f"<td>{net.social_worker}\n" in rows


def test_values_with_markup_are_escaped_in_the_rows(net):
    referral = send(net)
    net.police.name = net.police.name_en = '<script>alert("x")</script> Công an'
    net.police.save()
    body = sign_in(net.social_supervisor).get(INBOX).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Công an" in received_rows(body)
    assert referral.reference in body


def test_an_overdue_referral_is_marked_in_vietnamese(net):
    referral = send(net)
    Referral.objects.filter(pk=referral.pk).update(due_at=referral.created_at, overdue_flagged_at=referral.created_at)
    rows = received_rows(sign_in(net.social_worker).get(INBOX).content.decode())
    assert '<tr class="table-warning">' in rows
    assert '<span class="badge text-bg-warning">quá hạn</span>' in rows
