"""The inbox holds only referrals with work left; the archive tab the finished ones (issue 18,
docs/decisions.md 220)."""

import datetime
import html
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from casework.models import AuditEvent
from referrals import actions
from referrals.access import archived_referrals, inbox_count, sent_referrals
from referrals.models import Referral, ReferralPurpose, ReferralStatus
from tests.fixtures.personas import acting, make_case, sign_in
from tests.fixtures.queries import page_queries

INBOX, ARCHIVE, TODAY = "/referrals/", "/referrals/archive/", "/today/"
NEXT = re.compile(r'rel="next" href="([^"]+)"')
PREVIOUS = re.compile(r'rel="prev" href="([^"]+)"')
REFERENCE = re.compile(r'data-testid="archive-ref">([^<]+)</a>')


def send(net, case=None) -> Referral:
    return actions.do_send_referral(
        case or net.case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=net.social,
        from_agency=net.police,
        actor=net.owner,
    )


def handed_over(net, referral: Referral) -> Referral:
    """Through the real moves, so the receiver holds what an accepted referral shares."""
    worker = acting(net.social_worker)
    referral = actions.do_acknowledge_referral(referral, actor=worker)
    referral = actions.do_accept_referral(referral, actor=worker)
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.HANDED_OVER, due_at=None)
    referral.refresh_from_db()
    return referral


def days_ago(referral: Referral, days: int) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=days))
    referral.refresh_from_db()
    return referral


def at_status(referral: Referral, status: str) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(status=status, due_at=None)
    referral.refresh_from_db()
    return referral


def section(body: str, testid: str) -> str:
    return body.split(f'data-testid="{testid}"')[1].split("</table>")[0] if f'data-testid="{testid}"' in body else ""


def today_links(client) -> str:
    return client.get(TODAY).content.decode()


@pytest.mark.parametrize("status", [ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.CANCELLED])
def test_a_finished_referral_is_in_the_archive_and_not_in_the_inbox_count_or_today(net, status):
    referral = at_status(send(net), status)
    receiver = sign_in(net.social_worker)
    body = receiver.get(INBOX).content.decode()
    assert referral.reference not in body
    assert 'class="badge text-bg-danger"' not in body  # the header badge counts nothing
    assert inbox_count(acting(net.social_worker)) == 0
    assert referral.reference not in today_links(receiver)
    assert referral.reference in section(receiver.get(ARCHIVE).content.decode(), "archive")
    # The sender finds it in its own archive, not in its inbox's sent list.
    sender = sign_in(net.owner)
    assert referral.reference not in section(sender.get(INBOX).content.decode(), "sent")
    assert referral.reference in section(sender.get(ARCHIVE, {"side": "sent"}).content.decode(), "archive")
    assert referral.reference not in section(sender.get(ARCHIVE).content.decode(), "archive")


@override_settings(REFERRAL_INBOX_RECENT_DAYS=14)
def test_a_handover_stays_in_the_inbox_for_the_window_then_moves_to_the_archive(net):
    referral = handed_over(net, send(net))
    receiver = sign_in(net.social_worker)
    assert referral.reference in section(receiver.get(INBOX).content.decode(), "inbox")
    assert inbox_count(acting(net.social_worker)) == 1
    assert referral.reference not in section(receiver.get(ARCHIVE).content.decode(), "archive")
    # Nothing is due after the handover: it is never a "Hôm nay" item.
    assert referral.reference not in today_links(receiver)

    days_ago(referral, 15)
    assert referral.reference not in section(receiver.get(INBOX).content.decode(), "inbox")
    assert inbox_count(acting(net.social_worker)) == 0
    assert referral.reference in section(receiver.get(ARCHIVE).content.decode(), "archive")
    assert referral.reference not in section(sign_in(net.owner).get(INBOX).content.decode(), "sent")
    assert list(sent_referrals(acting(net.owner))) == []


def test_open_referrals_stay_in_the_inbox_and_out_of_the_archive(net):
    sent = send(net)
    receiver = sign_in(net.social_worker)
    assert sent.reference in section(receiver.get(INBOX).content.decode(), "inbox")
    assert sent.reference in today_links(receiver)
    accepted = actions.do_accept_referral(
        actions.do_acknowledge_referral(sent, actor=acting(net.social_worker)), actor=acting(net.social_worker)
    )
    days_ago(accepted, 400)  # an old accepted referral still waits for its handover
    assert accepted.reference in section(receiver.get(INBOX).content.decode(), "inbox")
    assert inbox_count(acting(net.social_worker)) == 1
    assert 'data-testid="archive"' not in receiver.get(ARCHIVE).content.decode()
    assert list(archived_referrals(acting(net.social_worker))) == []


def test_another_agencys_finished_referrals_never_appear(net):
    referral = at_status(send(net), ReferralStatus.COMPLETED)
    outsider = sign_in(net.outsider)
    for side in ("received", "sent"):
        assert referral.reference not in outsider.get(ARCHIVE, {"side": side}).content.decode()
    assert outsider.get(f"/referrals/{referral.public_id}/").status_code == 404
    # A cursor naming someone else's referral gives an empty page, not its neighbours.
    mine = at_status(send(net, make_case(net.police, acting(net.owner), name="Người Khác")), ReferralStatus.COMPLETED)
    body = outsider.get(ARCHIVE, {"page": "2", "after": str(mine.public_id)}).content.decode()
    assert referral.reference not in body and mine.reference not in body


def test_the_archive_is_paged_newest_first_with_a_cursor(net):
    referrals = [at_status(send(net), ReferralStatus.DECLINED)]
    for index in range(29):
        case = make_case(net.police, acting(net.owner), name=f"Người Thử {index}")
        referrals.append(at_status(send(net, case), ReferralStatus.DECLINED))
    newest_first = [referral.reference for referral in reversed(referrals)]
    client = sign_in(net.social_worker)
    first = client.get(ARCHIVE).content.decode()
    assert REFERENCE.findall(section(first, "archive")) == newest_first[:25]
    assert not PREVIOUS.search(first)
    second = client.get(ARCHIVE + html.unescape(NEXT.search(first).group(1))).content.decode()
    assert REFERENCE.findall(section(second, "archive")) == newest_first[25:]
    assert not NEXT.search(second)
    back = client.get(ARCHIVE + html.unescape(PREVIOUS.search(second).group(1))).content.decode()
    assert REFERENCE.findall(section(back, "archive")) == newest_first[:25]


def test_the_archive_is_audited_as_a_list(net):
    at_status(send(net), ReferralStatus.COMPLETED)
    sign_in(net.social_worker).get(ARCHIVE)
    row = AuditEvent.objects.get(action=AuditEvent.Action.LIST, actor=net.social_worker)
    assert row.detail["page"] == "referral-archive"
    assert row.detail["side"] == "received" and row.detail["shown"] == 1


def test_names_only_with_identity(net):
    declined = at_status(send(net), ReferralStatus.DECLINED)  # the receiver only ever held core
    receiver = sign_in(net.social_worker)
    rows = section(receiver.get(ARCHIVE).content.decode(), "archive")
    assert declined.reference in rows and "Nguyễn Thị Lan" not in rows
    assert "identity" not in AuditEvent.objects.get(actor=net.social_worker, action=AuditEvent.Action.LIST).classes
    # The sender registered her: it holds identity and sees the name in its sent archive.
    rows = section(sign_in(net.owner).get(ARCHIVE, {"side": "sent"}).content.decode(), "archive")
    assert "Nguyễn Thị Lan" in rows


def test_an_old_handover_keeps_the_name_the_accepted_referral_shared(net):
    referral = days_ago(handed_over(net, send(net)), 30)
    rows = section(sign_in(net.social_worker).get(ARCHIVE).content.decode(), "archive")
    assert referral.reference in rows and "Nguyễn Thị Lan" in rows


@pytest.mark.parametrize("params", [{"side": "elsewhere"}, {"page": "0"}, {"after": "not-a-uuid"}, {"page": "x\x00"}])
def test_a_bad_archive_address_is_a_400_with_a_message(net, params):
    response = sign_in(net.social_worker).get(ARCHIVE, params)
    assert response.status_code == 400
    assert "archive" in response.content.decode().lower() or "lưu trữ" in response.content.decode().lower()


def test_the_inbox_links_the_archive(net):
    assert 'href="/referrals/archive/"' in sign_in(net.social_worker).get(INBOX).content.decode()


@pytest.mark.parametrize("side", ["received", "sent"])
def test_the_archive_query_count_is_the_same_for_1_and_30_referrals(net, side):
    user = net.social_worker if side == "received" else net.owner
    client = sign_in(user)
    at_status(send(net), ReferralStatus.COMPLETED)
    few, response = page_queries(client, ARCHIVE, side=side)
    assert response.content.decode().count("/referrals/") and len(response.context["referrals"]) == 1
    for index in range(29):
        case = make_case(net.police, acting(net.owner), name=f"Người Thử {index}")
        at_status(send(net, case), ReferralStatus.COMPLETED)
    many, response = page_queries(client, ARCHIVE, side=side)
    assert len(response.context["referrals"]) == 25
    assert few == many


def test_the_inbox_query_count_is_the_same_for_1_and_30_referrals_with_an_archive(net):
    client = sign_in(net.social_worker)
    send(net)
    few, response = page_queries(client, INBOX)
    for index in range(29):
        case = make_case(net.police, acting(net.owner), name=f"Người Thử {index}")
        referral = send(net, case)
        if index % 2:
            at_status(referral, ReferralStatus.COMPLETED)
    many, response = page_queries(client, INBOX)
    assert len(response.context["received"]) == 16  # 1 + the 15 left open
    assert few == many
