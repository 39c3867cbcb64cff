"""Notifications as messaging keeps them, whatever they are about: one row and one e-mail per
recipient and key, the e-mail task, the list, marking read and the link (decision 144). Who
is told of a referral is in tests/referrals/test_notifications.py."""

from smtplib import SMTPException

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casework.models import User
from messaging import notify
from messaging.models import Notification, OutboxMessage
from messaging.tasks import send_notification_email
from tests.fixtures.personas import sign_in

pytestmark = pytest.mark.django_db

LIST = "/referrals/notifications/"
Kind = Notification.Kind
MAIL_TASK = "messaging.tasks.send_notification_email"


def tell(world, user=None, *, key="moved:1", url=None, step="accepted") -> Notification:
    """A notice about the world's case, as an app to the right of messaging writes one."""
    user = user or world.supervisor
    made = notify.notify(
        users=[user],
        agency=world.police,
        kind=Kind.REFERRAL_MOVED,
        params={
            "referral": f"{world.case.reference}/R{key}",
            "case": world.case.reference,
            "purpose": {"vi": "Tiếp nhận", "en": "Reception"},
            "step": step,
        },
        url=url if url is not None else f"/cases/{world.case.public_id}/",
        key=key,
    )
    return made[0] if made else Notification.objects.get(recipient=user, key=key)


@pytest.fixture
def mailed(world):
    User.objects.filter(pk=world.supervisor.pk).update(email="supervisor@example.test")
    return world


# Once per recipient and key ---------------------------------------------------------------------


def test_notifying_twice_with_one_key_makes_one_row_and_one_mail(world):
    for _ in range(2):
        tell(world)
    notification = Notification.objects.get(recipient=world.supervisor)
    assert notification.agency == world.police and notification.kind == Kind.REFERRAL_MOVED
    assert OutboxMessage.objects.filter(task=MAIL_TASK, args=[notification.pk]).count() == 1


class Step(models.TextChoices):
    HALFWAY = "halfway", "half way there"


def test_a_registered_code_is_shown_as_its_label(world, monkeypatch):
    monkeypatch.setitem(notify.PARAM_CHOICES, "step", Step)
    notification = tell(world, step="halfway")
    with translation.override("en"):
        assert notify.notification_text(notification).endswith("is now “half way there”.")
    monkeypatch.delitem(notify.PARAM_CHOICES, "step")
    with translation.override("en"):
        assert notify.notification_text(notification).endswith("is now “halfway”.")


def test_each_reader_gets_names_in_her_language(world):
    notification = tell(world)
    with translation.override("en"):
        assert "(Reception)" in notify.notification_text(notification)
    with translation.override("vi"):
        assert "(Tiếp nhận)" in notify.notification_text(notification)


def test_params_of_an_older_message_fall_back_to_the_kind(world):
    notification = tell(world)
    Notification.objects.filter(pk=notification.pk).update(params={"unexpected": 1})
    notification.refresh_from_db()
    with translation.override("en"):
        assert notify.notification_text(notification) == "referral status changed"


# The e-mail task --------------------------------------------------------------------------------


def test_the_mail_task_run_twice_sends_once(mailed, mailoutbox):
    notification = tell(mailed)
    mailoutbox.clear()
    assert send_notification_email(notification.pk) is True
    assert send_notification_email(notification.pk) is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["supervisor@example.test"]
    assert f"/cases/{mailed.case.public_id}/" in mailoutbox[0].body


def test_a_recipient_without_mail_is_done_without_sending(world, mailoutbox):
    notification = tell(world)
    message = OutboxMessage.objects.create(task=MAIL_TASK, args=[notification.pk])
    assert send_notification_email(notification.pk, outbox_id=message.pk) is False
    message.refresh_from_db()
    notification.refresh_from_db()
    assert message.done_at is not None and notification.emailed_at is not None
    assert mailoutbox == []


def test_a_failed_send_gives_the_claim_back_for_a_retry(mailed, mailoutbox, monkeypatch):
    notification = tell(mailed)
    message = OutboxMessage.objects.create(task=MAIL_TASK, args=[notification.pk])
    mailoutbox.clear()

    def refuse(*args, **kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr(notify, "send_mail", refuse)
    with pytest.raises(SMTPException):
        send_notification_email(notification.pk, outbox_id=message.pk)
    notification.refresh_from_db()
    message.refresh_from_db()
    assert notification.emailed_at is None and message.done_at is None
    monkeypatch.undo()
    assert send_notification_email(notification.pk, outbox_id=message.pk) is True
    message.refresh_from_db()
    assert message.done_at is not None and len(mailoutbox) == 1


# The list and marking read ------------------------------------------------------------------------


def test_the_list_shows_newest_first_unread_highlighted(world):
    first = tell(world, key="1")
    tell(world, key="2")
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    response = sign_in(world.supervisor).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f"{world.case.reference}/R2") < html.index(f"{world.case.reference}/R1")
    assert html.count('data-testid="notification-unread"') == 1
    assert html.count('data-testid="notification-read"') == 1


def test_marking_one_read_goes_to_its_page(world):
    notification = tell(world)
    client = sign_in(world.supervisor)
    url = f"/referrals/notifications/{notification.pk}/read/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == f"/cases/{world.case.public_id}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_all_read(world):
    tell(world, key="1")
    tell(world, key="2")
    response = sign_in(world.supervisor).post("/referrals/notifications/read-all/")
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Notification.objects.filter(recipient=world.supervisor, read_at__isnull=True).exists()


def test_the_link_opens_its_page_and_marks_it_read(world):
    notification = tell(world)
    client = sign_in(world.supervisor)
    link = f"/referrals/notifications/{notification.pk}/"
    assert f'href="{link}" data-testid="notification-link"' in client.get(LIST).content.decode()
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == f"/cases/{world.case.public_id}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("stored", ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", ""])
def test_neither_link_nor_marking_read_leaves_the_site(world, stored):
    notification = tell(world, url=stored)
    client = sign_in(world.supervisor)
    assert client.get(f"/referrals/notifications/{notification.pk}/")["Location"] == LIST
    assert client.post(f"/referrals/notifications/{notification.pk}/read/")["Location"] == LIST


def test_another_users_notification_is_404_and_stays_unread(world):
    notification = tell(world)
    for user in (world.colleague, world.outsider, world.other_supervisor):
        client = sign_in(user)
        assert client.get(f"/referrals/notifications/{notification.pk}/").status_code == 404
        assert client.post(f"/referrals/notifications/{notification.pk}/read/").status_code == 404
        assert client.post("/referrals/notifications/read-all/").status_code == 302
        assert notification.params["referral"] not in client.get(LIST).content.decode()
    assert sign_in(world.supervisor).get("/referrals/notifications/99999999/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_list_pages_with_a_flat_query_count(world):
    tell(world, key="first")
    client = sign_in(world.supervisor)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    few = count()
    for index in range(30):
        tell(world, key=f"k{index}")
    assert count() == few
    assert client.get(LIST + "?page=2").content.decode().count('data-testid="notification-unread"') == 6
