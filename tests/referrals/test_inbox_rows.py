"""The inbox's rows, built in Python (referrals.rows, decision 306): the markup the template
gave, every value escaped, a box to tick only on a supervisor's received rows."""

from django.urls import reverse

from referrals.models import Referral
from tests.fixtures.personas import sign_in
from tests.referrals.test_inbox_pages import send

INBOX = reverse("referrals:inbox")


def received_rows(body: str) -> str:
    return body.split('data-testid="inbox"', 1)[1].split("</tbody>", 1)[0]


def test_a_received_row_shows_the_referral_and_a_box_for_the_supervisors_one_form(net):
    referral = send(net)
    body = sign_in(net.social_supervisor).get(INBOX).content.decode()
    rows = received_rows(body)
    assert f'<a href="/referrals/{referral.public_id}/">{referral.reference}</a>' in rows
    assert f"<td>{referral.purpose.label}</td>" in rows
    assert f"<td>{net.police.label}</td>" in rows
    assert f'<span class="badge text-bg-light border">{referral.get_status_display()}</span>' in rows
    assert 'data-testid="referral-profile"' in rows
    # The supervisor ticks rows for one form above the table (decision 308): the caseworkers
    # are listed once on the page, not once per row.
    assert f'name="referral" value="{referral.public_id}" form="inbox-assign"' in rows
    assert f'aria-label="Chọn {referral.reference}"' in rows
    assert "<form" not in rows and "<option" not in rows
    assert body.count(f'<option value="{net.social_worker.pk}">') == 1
    assert 'id="inbox-assign"' in body and 'action="/referrals/assign/"' in body
    # A caseworker of the agency sees the row without the box or the form.
    worker_body = sign_in(net.social_worker).get(INBOX).content.decode()
    assert referral.reference in received_rows(worker_body)
    assert 'name="referral"' not in worker_body and 'id="inbox-assign"' not in worker_body


def test_the_assigned_worker_is_shown(net):
    referral = send(net)
    Referral.objects.filter(pk=referral.pk).update(assigned_to=net.social_worker)
    rows = received_rows(sign_in(net.social_supervisor).get(INBOX).content.decode())
    assert f"<td>{net.social_worker}</td>" in rows


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
