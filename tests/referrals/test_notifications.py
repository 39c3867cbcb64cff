"""Notifications of referrals: who is told of what, once, by app and e-mail, without identity
data; the bell; a notification opens its referral. The notifications themselves (once per
key, the e-mail task, the list, marking read) are tested in tests/messaging/."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.module_loading import import_string

from casework.models import User
from messaging import outbox
from messaging.models import Notification, OutboxMessage
from messaging.notify import notification_text
from referrals import actions
from referrals.access import header_counts
from referrals.models import Referral, ReferralEvent, ReferralPurpose
from tests.fixtures.personas import acting, make_case, sign_in

PERSON = "Nguyễn Thị Lan"
LIST = "/referrals/notifications/"
Kind = Notification.Kind


@pytest.fixture
def eager_outbox(monkeypatch):
    """Send notification e-mails in this process, whether or not a broker is configured; other
    tasks (routing) stay pending, so that they add no referrals of their own."""

    def run_here(task, args, kwargs):
        if task == "messaging.tasks.send_notification_email":
            import_string(task).apply(args=args, kwargs=kwargs)

    monkeypatch.setattr(outbox, "dispatch", run_here)


@pytest.fixture
def mailed(net, eager_outbox):
    """The net, with e-mail addresses for the supervisors and the receiving caseworker."""
    for user in (net.supervisor, net.social_supervisor, net.social_worker):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.test")
    return net


def send(net, case=None) -> Referral:
    return actions.do_send_referral(
        case or net.case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=net.social,
        from_agency=net.police,
        note=f"{PERSON} is waiting at the border post",
        actor=net.owner,
    )


def texts(notification: Notification) -> list[str]:
    rendered = []
    for language in ("vi", "en"):
        with translation.override(language):
            rendered.append(notification_text(notification))
    return rendered


def assert_no_identity(notification: Notification, emails=()):
    for text in [*texts(notification), str(notification.params), *emails]:
        assert PERSON not in text
        assert "1999" not in text  # the birth year


# Who is told ---------------------------------------------------------------------------------


def test_sending_tells_the_receiving_supervisors_in_app_and_by_mail(
    mailed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(mailed)
    notification = Notification.objects.get()
    assert notification.recipient == mailed.social_supervisor
    assert notification.kind == Kind.REFERRAL_RECEIVED
    assert notification.agency == mailed.social
    assert notification.key == f"received:{referral.pk}"
    assert notification.url == f"/referrals/{referral.public_id}/"
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert [message.to for message in mailoutbox] == [["social.supervisor@example.test"]]
    assert referral.reference in mailoutbox[0].subject and referral.reference in mailoutbox[0].body
    message = OutboxMessage.objects.get(task="messaging.tasks.send_notification_email", args=[notification.pk])
    assert message.done_at is not None
    assert_no_identity(notification, [mailoutbox[0].subject, mailoutbox[0].body])


def test_the_text_is_in_the_readers_language_and_the_mail_in_vietnamese(
    mailed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(mailed)
    vietnamese, english = texts(Notification.objects.get())
    assert "Cơ quan t-police" in vietnamese and "Tiếp nhận, bảo vệ và hỗ trợ" in vietnamese
    assert "Agency t-police" in english and "Protection and support" in english
    assert referral.case.reference in english
    assert "Cơ quan t-police" in mailoutbox[0].body


def test_a_redirect_tells_the_new_receivers_supervisors(mailed):
    from tests.fixtures.personas import make_agency, make_user

    other = make_agency("t-social-hn", "social_protection", "HN")
    other_supervisor = make_user("hn.supervisor", other, "supervisor")
    referral = send(mailed)
    new = actions.do_redirect_referral(referral, to_agency=other, reason="home province", actor=mailed.supervisor)
    notification = Notification.objects.get(recipient=other_supervisor)
    assert notification.kind == Kind.REFERRAL_RECEIVED and notification.key == f"received:{new.pk}"


def test_assigning_tells_the_worker_once(mailed, mailoutbox, django_capture_on_commit_callbacks):
    referral = send(mailed)
    client = sign_in(mailed.social_supervisor)
    url = f"/referrals/{referral.public_id}/assign/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"user": mailed.social_worker.pk}).status_code == 302
        assert client.post(url, {"user": mailed.social_worker.pk}).status_code == 302
    referral.refresh_from_db()
    assert referral.assigned_to == mailed.social_worker
    notification = Notification.objects.get(recipient=mailed.social_worker)
    assert notification.kind == Kind.REFERRAL_ASSIGNED
    assert notification.key == f"assigned:{referral.pk}:{mailed.social_worker.pk}"
    assert [message.to for message in mailoutbox] == [["social.worker@example.test"]]
    assert_no_identity(notification, [mailoutbox[0].body])


def test_assigning_someone_outside_the_receiving_agency_is_refused(net):
    referral = send(net)
    with pytest.raises(actions.ReferralError):
        actions.do_assign_referral(referral, worker=net.owner, actor=net.social_supervisor)
    referral.refresh_from_db()
    assert referral.assigned_to is None
    assert not Notification.objects.filter(kind=Kind.REFERRAL_ASSIGNED).exists()


def test_an_overdue_step_tells_both_supervisors_once(mailed, mailoutbox, django_capture_on_commit_callbacks):
    referral = send(mailed)
    late = referral.due_at + datetime.timedelta(minutes=1)
    with time_machine.travel(late), django_capture_on_commit_callbacks(execute=True):
        assert actions.do_flag_overdue_referrals() == 1
        assert actions.do_flag_overdue_referrals() == 0
        referral.refresh_from_db()
        actions._notify_overdue(referral)  # a second process that got past the flag
    overdue = Notification.objects.filter(kind=Kind.REFERRAL_OVERDUE)
    assert sorted(overdue.values_list("recipient__username", flat=True)) == ["social.supervisor", "supervisor"]
    key = f"overdue:{referral.pk}:sent:{referral.status_changed_at.isoformat()}"
    assert set(overdue.values_list("key", flat=True)) == {key}
    assert {notification.agency_id for notification in overdue} == {mailed.police.pk, mailed.social.pk}
    overdue_mails = [message for message in mailoutbox if "step" in message.body or "bước" in message.body]
    assert sorted(message.to[0] for message in overdue_mails) == [
        "social.supervisor@example.test",
        "supervisor@example.test",
    ]
    for notification in overdue:
        assert_no_identity(notification)


def test_the_next_step_overdue_is_a_new_notification(net):
    referral = send(net)
    with time_machine.travel(referral.due_at + datetime.timedelta(minutes=1)):
        actions.do_flag_overdue_referrals()
        received = actions.do_acknowledge_referral(referral, actor=net.social_worker)
    with time_machine.travel(received.due_at + datetime.timedelta(minutes=1)):
        actions.do_flag_overdue_referrals()
    keys = Notification.objects.filter(recipient=net.supervisor, kind=Kind.REFERRAL_OVERDUE).values_list("key")
    assert len(set(keys)) == 2


# R3: two beat processes at once -----------------------------------------------------------------


def run_together(target, count: int = 2) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run():
        try:
            start.wait()
            target()
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_at_once_send_one_notification_per_recipient(mailed, mailoutbox):
    referrals = [send(mailed)] + [
        send(mailed, case=make_case(mailed.police, acting(mailed.owner), name=f"Người Thử {index}"))
        for index in range(7)
    ]
    mailoutbox.clear()
    late = max(referral.due_at for referral in referrals) + datetime.timedelta(minutes=1)
    flagged: list[int] = []
    errors = run_together(lambda: flagged.append(actions.do_flag_overdue_referrals(now=late)))
    assert errors == []
    assert sum(flagged) == 8
    assert ReferralEvent.objects.filter(reason="overdue").count() == 8
    overdue = Notification.objects.filter(kind=Kind.REFERRAL_OVERDUE)
    assert overdue.count() == 16  # two supervisors × eight referrals
    assert overdue.values("recipient", "key").distinct().count() == 16
    assert len(mailoutbox) == 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_notifying_one_step_at_once_make_one_row(mailed, mailoutbox):
    referral = send(mailed)
    mailoutbox.clear()
    errors = run_together(
        lambda: actions._notify_overdue(
            Referral.objects.select_related("case", "purpose", "from_agency", "to_agency").get(pk=referral.pk)
        ),
        count=4,
    )
    assert errors == []
    assert Notification.objects.filter(kind=Kind.REFERRAL_OVERDUE).count() == 2
    assert len(mailoutbox) == 2


# The bell and the list ---------------------------------------------------------------------------


def test_the_bell_counts_unread_notifications_of_the_active_agency(net):
    send(net)
    send(net, case=make_case(net.police, acting(net.owner), name="Người Hai"))
    html = sign_in(net.social_supervisor).get("/referrals/").content.decode()
    assert 'data-testid="unread-count">2</span>' in html
    assert 'data-testid="unread-count"' not in sign_in(net.social_worker).get("/referrals/").content.decode()


def test_the_header_counts_cost_one_query(net):
    send(net)
    supervisor = acting(net.social_supervisor)
    with CaptureQueriesContext(connection) as queries:
        counts = header_counts(supervisor)
    assert counts == {"inbox": 1, "unread": 1}
    assert len(queries) == 1


def test_the_list_shows_newest_first_unread_highlighted_and_no_identity(net):
    first = send(net)
    second = send(net, case=make_case(net.police, acting(net.owner), name="Người Hai"))
    Notification.objects.filter(key=f"received:{first.pk}").update(read_at=first.status_changed_at)
    response = sign_in(net.social_supervisor).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(second.reference) < html.index(first.reference)
    assert html.count('data-testid="notification-unread"') == 1
    assert html.count('data-testid="notification-read"') == 1
    assert PERSON not in html


def test_marking_one_read_goes_to_the_referral(net):
    referral = send(net)
    notification = Notification.objects.get(recipient=net.social_supervisor)
    client = sign_in(net.social_supervisor)
    url = f"/referrals/notifications/{notification.pk}/read/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.public_id}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'data-testid="unread-count"' not in client.get(LIST).content.decode()


# Notifications are links ---------------------------------------------------------------------------


def test_each_notification_is_a_link_that_opens_its_referral_and_marks_it_read(net):
    referral = send(net)
    notification = Notification.objects.get(recipient=net.social_supervisor)
    client = sign_in(net.social_supervisor)
    link = f"/referrals/notifications/{notification.pk}/"
    html = client.get(LIST).content.decode()
    assert f'href="{link}" data-testid="notification-link"' in html
    assert "<button" not in html.split('data-testid="notifications"')[1].split("</ul>")[0]
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.public_id}/"
    assert client.get(response["Location"]).status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is not None
