"""The inbox's one assignment form (decision 308): a supervisor ticks received referrals and
gives them to one caseworker; everyone else, and every referral not received, is 404."""

import uuid

from django.urls import reverse

from casework.models import AuditEvent, Role
from messaging.models import Notification
from referrals.models import Referral, ReferralStatus
from referrals.views import workflow
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in
from tests.referrals.test_inbox_pages import at_status, denied_rows, send, send_from_social, texts

URL = reverse("referrals:assign-many")
INBOX = reverse("referrals:inbox")


def received(net, count: int = 1, to_agency=None) -> list[Referral]:
    """`count` referrals to the social agency (or `to_agency`), each for a case of its own."""
    cases = [make_case(net.police, acting(net.owner), name=f"Người Thử {index}") for index in range(count)]
    return [send(net, case=case, to_agency=to_agency) for case in cases]


def assigned(*referrals: Referral) -> list:
    return [Referral.objects.get(pk=referral.pk).assigned_to for referral in referrals]


def test_the_supervisor_gives_the_ticked_referrals_to_one_caseworker(net):
    first, second, untouched = received(net, 3)
    # A box sent twice (a double click, a crafted post) assigns its referral once.
    data = {"referral": [first.public_id, second.public_id, first.public_id], "user": net.social_worker.pk}

    response = sign_in(net.social_supervisor).post(URL, data)

    assert response.status_code == 302 and response["Location"] == INBOX
    assert texts(response) == [f"Đã phân công 2 giới thiệu cho {net.social_worker}."]
    assert assigned(first, second, untouched) == [net.social_worker, net.social_worker, None]
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, actor=net.social_supervisor)
    assert sorted(row.detail["referral"] for row in rows) == sorted([first.reference, second.reference])
    assert all(row.detail["assigned_to"] == net.social_worker.username for row in rows)
    assigned_notes = Notification.objects.filter(recipient=net.social_worker, kind=Notification.Kind.REFERRAL_ASSIGNED)
    assert assigned_notes.count() == 2


def test_the_inbox_form_posts_what_the_supervisor_ticked(net):
    referral = send(net)
    body = sign_in(net.social_supervisor).get(INBOX).content.decode()
    assert f'value="{referral.public_id}" form="inbox-assign"' in body
    assert '<select class="form-select form-select-sm" name="user" id="assign-worker" required>' in body


def test_a_caseworker_may_not_and_nothing_is_assigned(net):
    referral = send(net)
    data = {"referral": [referral.public_id], "user": net.social_worker.pk}
    response = sign_in(net.social_worker).post(URL, data)
    assert response.status_code == 404
    assert assigned(referral) == [None]
    assert denied_rows(net.social_worker) == 1


def test_a_referral_the_agency_does_not_receive_makes_the_whole_form_404(net):
    [own] = received(net)
    sent = send_from_social(net)  # sent by the social agency: not its to assign
    [foreign] = received(net, to_agency=make_agency("t-social-hn", "social_protection", "HN"))
    supervisor = sign_in(net.social_supervisor)
    for other in (sent, foreign):
        data = {"referral": [own.public_id, other.public_id], "user": net.social_worker.pk}
        assert supervisor.post(URL, data).status_code == 404
    assert assigned(own, sent, foreign) == [None, None, None]
    assert denied_rows(net.social_supervisor) == 2


def test_an_id_that_is_no_referral_is_404(net):
    supervisor = sign_in(net.social_supervisor)
    for code in ("not-a-uuid", str(uuid.uuid4())):
        assert supervisor.post(URL, {"referral": [code], "user": net.social_worker.pk}).status_code == 404


def test_no_tick_or_no_caseworker_of_the_agency_is_a_message_and_nothing_changes(net):
    referral = send(net)
    outsider = make_user("other.worker", net.police, Role.CASEWORKER)
    for data in (
        {"user": net.social_worker.pk},
        {"referral": [referral.public_id]},
        {"referral": [referral.public_id], "user": outsider.pk},
    ):
        response = sign_in(net.social_supervisor).post(URL, data)
        assert response.status_code == 302 and response["Location"] == INBOX
        assert texts(response) == ["Đánh dấu các giới thiệu cần phân công và chọn một cán bộ của cơ quan mình."]
    assert assigned(referral) == [None]


def test_a_referral_closed_meanwhile_is_named_and_the_others_are_assigned(net):
    open_one, closed = received(net, 2)
    data = {"referral": [open_one.public_id, closed.public_id], "user": net.social_worker.pk}
    at_status(closed, ReferralStatus.COMPLETED)
    response = sign_in(net.social_supervisor).post(URL, data)
    assert texts(response) == [
        f"Đã phân công 1 giới thiệu cho {net.social_worker}.",
        f"Không còn mở nên chưa phân công: {closed.reference}.",
    ]
    assert assigned(open_one, closed) == [net.social_worker, None]


def test_more_than_an_inbox_of_ticks_is_refused(net, monkeypatch):
    monkeypatch.setattr(workflow, "INBOX_LIMIT", 1)
    first, second = received(net, 2)
    data = {"referral": [first.public_id, second.public_id], "user": net.social_worker.pk}
    response = sign_in(net.social_supervisor).post(URL, data)
    assert texts(response) == ["Mỗi lần chỉ chọn tối đa 1 giới thiệu."]
    assert assigned(first, second) == [None, None]
