"""Self-service passwords (decision 154): change with a notice, reset by e-mail with
single-use expiring links, throttled and generic, and the password rules (ASVS 2.1)."""

import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from casework.models import AuditEvent
from casework.passwords import VietnameseCommonPasswordValidator
from tests.fixtures.personas import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mail_now(monkeypatch):
    """Account e-mails are sent at once, in this process: the test's transaction never commits
    and CI configures a broker no worker reads here."""
    from casework import account_tasks

    monkeypatch.setattr(account_tasks, "dispatch", lambda task, *args: task.apply(args))


NEW_PASSWORD = "Sông Hồng chảy qua 3 tỉnh"


@pytest.mark.parametrize(
    "password",
    ["anhyeuem2024!", "Anh Yêu Em 123456", "matkhau123456", "Password123456", "123456789012345", "qwertyuiop12"],
)
def test_common_and_numeric_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_an_eleven_character_password_is_refused_with_a_clear_message(world):
    client = sign_in(world.owner)
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "Xq7#kLm9!pZ", "new_password2": "Xq7#kLm9!pZ"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Mật khẩu quá ngắn. Nó phải chứa ít nhất 12 ký tự." in page
    world.owner.refresh_from_db()
    assert world.owner.check_password(PASSWORD)


def test_the_vietnamese_list_folds_accents_and_padding():
    validator = VietnameseCommonPasswordValidator()
    for password in ("Hà Nội !!! 2025", "ANHYEUEM", "2024 anh yêu em", "Mật khẩu 123"):
        with pytest.raises(ValidationError):
            validator.validate(password)
    validator.validate("Hà Nội mùa thu lá vàng")  # a phrase, not a common stem


def test_changing_the_password_keeps_the_session_sends_a_notice_and_is_audited(world):
    world.owner.email = "owner@example.org"
    world.owner.save()
    client = sign_in(world.owner)
    response = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    world.owner.refresh_from_db()
    assert world.owner.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # still signed in
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT, detail__event="password_changed").count() == 1
    [notice] = mail.outbox
    assert notice.to == ["owner@example.org"] and "mật khẩu" in notice.body.lower()
    assert NEW_PASSWORD not in notice.body


def test_a_wrong_old_password_is_refused_and_counts_as_a_failed_sign_in(world):
    client = sign_in(world.owner)
    response = client.post(
        "/account/password/", {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, username="owner", detail__password_change=True
    ).exists()
    world.owner.refresh_from_db()
    assert world.owner.check_password(PASSWORD)


def reset_link() -> str:
    [message] = mail.outbox
    return re.search(r"https?://testserver(/password-reset/\S+/)", message.body).group(1)


def test_a_reset_link_works_once(world):
    world.owner.email = "owner@example.org"
    world.owner.save()
    response = Client().post("/password-reset/", {"email": "Owner@example.org"})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    link = reset_link()
    assert "owner" not in mail.outbox[0].body.replace("owner@example.org", "")

    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    world.owner.refresh_from_db()
    assert world.owner.check_password(NEW_PASSWORD)
    assert SESSION_KEY not in client.session  # a reset does not sign in (the second factor still applies)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCOUNT, actor=world.owner, detail__event="password_reset"
    ).exists()
    assert len(mail.outbox) == 2  # the link, then the notice

    # The same link again: refused.
    second = Client().get(link, follow=True)
    assert 'data-testid="reset-link-invalid"' in second.content.decode()


def test_a_reset_link_expires(world, settings):
    world.owner.email = "owner@example.org"
    world.owner.save()
    with time_machine.travel("2026-04-01 08:00 +0700", tick=False) as traveller:
        Client().post("/password-reset/", {"email": "owner@example.org"})
        link = reset_link()
        traveller.shift(settings.PASSWORD_RESET_TIMEOUT + 1)
        page = Client().get(link, follow=True)
    assert 'data-testid="reset-link-invalid"' in page.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world):
    response = Client().post("/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []
    row = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT, detail__event="password_reset_requested")
    assert "nobody" not in str(row.detail)


def test_reset_requests_are_throttled_per_e_mail_and_per_client_address(world, settings):
    world.owner.email = "owner@example.org"
    world.owner.save()
    for number in range(settings.PASSWORD_RESET_EMAIL_LIMIT + 2):
        response = Client().post("/password-reset/", {"email": "owner@example.org"}, REMOTE_ADDR=f"10.9.0.{number}")
        assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == settings.PASSWORD_RESET_EMAIL_LIMIT
    mail.outbox.clear()
    for number in range(settings.PASSWORD_RESET_ADDRESS_LIMIT):
        Client().post("/password-reset/", {"email": f"someone{number}@example.org"}, REMOTE_ADDR="10.9.9.9")
    world.colleague.email = "colleague@example.org"
    world.colleague.save()
    Client().post("/password-reset/", {"email": "colleague@example.org"}, REMOTE_ADDR="10.9.9.9")
    assert mail.outbox == []
    assert AuditEvent.objects.filter(detail__event="password_reset_requested", detail__throttled=True).count() == 3


def test_mails_wait_for_the_commit(world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.undo()  # the real dispatch
    world.owner.email = "owner@example.org"
    world.owner.save()
    with django_capture_on_commit_callbacks() as callbacks:
        Client().post("/password-reset/", {"email": "owner@example.org"})
        assert mail.outbox == []
    assert len(callbacks) == 1
