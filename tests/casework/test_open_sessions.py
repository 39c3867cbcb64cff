"""The user's open sessions and the notices about her account (ASVS 3.3.4, 2.2.3, 2.5.5, 2.8.5,
2.1.2, 3.4.4): each sign-in is listed on the account page with where and when, any other one
can be ended or all of them at once, a password change or reset ends the others; a sign-in from
a new address, new recovery codes and a used code given again each send a notice."""

import datetime
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client

from casework.models import AuditEvent, UserSession
from casework.passwords import MAX_PASSWORD_LENGTH
from casework.sessions import SESSION_TOUCHED_KEY, TOUCH_SECONDS
from tests.casework.test_production_checks import ROOT, production_env
from tests.casework.test_two_factor import START, code_step, current_code, enrol, password_step
from tests.fixtures.personas import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mail_now(monkeypatch):
    """Account e-mails are sent at once, in this process: the test's transaction never commits."""
    from casework import account_tasks

    monkeypatch.setattr(account_tasks, "dispatch", lambda task, *args: task.apply(args))


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


def signed_in(username="owner", ip="10.0.0.1", agent=FIREFOX) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/sign-in/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert response.status_code == 302, response.content
    return client


def is_signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def account_page(client) -> str:
    response = client.get("/account/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_sign_in_is_listed_with_its_browser_and_address_and_this_one_is_marked(world):
    laptop = signed_in(ip="10.0.0.1", agent=FIREFOX)
    phone = signed_in(ip="10.0.0.2", agent=ANDROID)
    assert UserSession.objects.filter(user=world.owner).count() == 2
    page = account_page(laptop)
    assert page.count('data-testid="open-session"') == 2
    assert "Firefox · Linux" in page and "Chrome · Android" in page
    assert "10.0.0.1" in page and "10.0.0.2" in page
    assert page.count('data-testid="this-session"') == 1
    assert is_signed_in(phone)


def test_ending_another_session_signs_it_out_and_is_audited(world):
    laptop = signed_in(ip="10.0.0.1")
    phone = signed_in(ip="10.0.0.2", agent=ANDROID)
    other = UserSession.objects.get(user=world.owner, ip="10.0.0.2")
    response = laptop.post(f"/account/sessions/{other.pk}/end/")
    assert response.status_code == 302
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    assert list(UserSession.objects.filter(user=world.owner).values_list("ip", flat=True)) == ["10.0.0.1"]
    row = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT, detail__event="sessions_ended")
    assert (row.actor, row.detail["count"], row.detail["reason"]) == (world.owner, 1, "ended_by_user")


def test_sign_out_everywhere_else_keeps_only_this_session(world):
    clients = [signed_in(ip=f"10.0.0.{number}") for number in range(1, 5)]
    assert account_page(clients[0]).count('data-testid="end-other-sessions"') == 1
    assert clients[0].post("/account/sessions/others/end/").status_code == 302
    assert [is_signed_in(client) for client in clients] == [True, False, False, False]
    assert UserSession.objects.filter(user=world.owner).count() == 1
    assert AuditEvent.objects.get(detail__event="sessions_ended").detail["count"] == 3


def test_another_users_session_this_one_and_nonsense_are_404(world):
    mine = signed_in("owner")
    theirs = signed_in("colleague")
    their_row = UserSession.objects.get(user=world.colleague)
    my_row = UserSession.objects.get(user=world.owner)
    for target in (their_row.pk, my_row.pk, "x", "99999999999999999999"):
        assert mine.post(f"/account/sessions/{target}/end/").status_code == 404
    assert is_signed_in(theirs) and is_signed_in(mine)
    assert mine.get(f"/account/sessions/{their_row.pk}/end/").status_code == 405


def test_signing_out_drops_the_row_and_an_idle_session_leaves_the_list(world):
    first = signed_in(ip="10.0.0.1")
    second = signed_in(ip="10.0.0.2")
    second.post("/sign-out/")
    assert UserSession.objects.filter(user=world.owner).count() == 1
    third = signed_in(ip="10.0.0.3")
    # Its last action was longer ago than the idle limit (and the touch interval) allow.
    row = UserSession.objects.get(ip="10.0.0.3")
    idle = datetime.timedelta(seconds=settings.SESSION_IDLE_SECONDS + 2 * TOUCH_SECONDS)
    UserSession.objects.filter(pk=row.pk).update(last_seen_at=row.last_seen_at - idle)
    page = account_page(first)
    assert page.count('data-testid="open-session"') == 1
    assert not UserSession.objects.filter(ip="10.0.0.3").exists()
    assert not is_signed_in(third)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one_listed(world):
    laptop = signed_in(ip="10.0.0.1")
    phone = signed_in(ip="10.0.0.2")
    new = "một mật khẩu mới rất dài 2026"
    response = laptop.post("/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert is_signed_in(laptop) and not is_signed_in(phone)
    [row] = UserSession.objects.filter(user=world.owner)
    assert row.session_key == laptop.session.session_key and row.ip == "10.0.0.1"
    assert account_page(laptop).count('data-testid="this-session"') == 1


def test_a_sign_in_from_a_new_address_sends_a_notice_and_a_known_one_does_not(world):
    world.owner.email = "owner@example.org"
    world.owner.save()
    signed_in(ip="10.0.0.1")
    assert mail.outbox == []  # the first sign-in ever: nothing to compare with
    signed_in(ip="10.0.0.1")
    assert mail.outbox == []
    signed_in(ip="203.0.113.9")
    [notice] = mail.outbox
    assert notice.to == ["owner@example.org"] and "địa chỉ mạng chưa từng dùng" in notice.body


def test_new_recovery_codes_send_a_notice(world):
    world.owner.email = "owner@example.org"
    world.owner.save()
    enrol(world.owner)
    client = signed_in_with_code(world)
    mail.outbox.clear()
    assert client.post("/account/recovery-codes/").status_code == 200
    [notice] = mail.outbox
    assert "mã khôi phục mới" in notice.body.lower()


def signed_in_with_code(world) -> Client:
    client = Client()
    password_step(client)
    assert code_step(client, current_code()).status_code == 302
    return client


def test_a_used_code_given_again_is_refused_recorded_and_the_holder_told(world):
    world.owner.email = "owner@example.org"
    world.owner.save()
    enrol(world.owner)
    with time_machine.travel(START, tick=False):
        first = Client()
        password_step(first)
        code = current_code()
        assert code_step(first, code).status_code == 302
        mail.outbox.clear()
        second = Client()
        password_step(second, ip="10.0.0.7")
        assert code_step(second, code, ip="10.0.0.7").status_code == 401
        assert SESSION_KEY not in second.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT, detail__event="code_reused").count() == 1
    [notice] = mail.outbox
    assert "đã được dùng trước đó" in notice.body and code not in notice.body


@pytest.mark.parametrize(
    ("length", "accepted"), [(64, True), (MAX_PASSWORD_LENGTH, True), (MAX_PASSWORD_LENGTH + 1, False)]
)
def test_passwords_of_64_to_128_characters_are_set_and_longer_ones_refused(world, length, accepted):
    client = signed_in()
    new = ("Hà Nội mùa thu " * 20)[:length]
    response = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    world.owner.refresh_from_db()
    assert world.owner.check_password(new) is accepted
    if accepted:
        assert response.status_code == 302
        assert Client().post("/sign-in/", {"username": "owner", "password": new}).status_code == 302
    else:
        assert response.status_code == 400
        assert f"tối đa {MAX_PASSWORD_LENGTH} ký tự" in response.content.decode()


def test_production_cookies_carry_the_host_prefix():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_PATH, s.SESSION_COOKIE_DOMAIN)",
        ],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "/",
        "None",
    ]


def test_the_last_action_moves_forward_at_most_every_few_minutes(world):
    client = signed_in()
    row = UserSession.objects.get(user=world.owner)
    earlier = row.last_seen_at - datetime.timedelta(minutes=10)
    UserSession.objects.filter(pk=row.pk).update(last_seen_at=earlier)
    client.get("/")
    assert UserSession.objects.get(pk=row.pk).last_seen_at == earlier  # touched at sign-in, a moment ago
    session = client.session
    session[SESSION_TOUCHED_KEY] -= TOUCH_SECONDS + 1
    session.save()
    client.get("/", REMOTE_ADDR="10.0.0.9")
    row.refresh_from_db()
    assert row.last_seen_at > earlier and row.ip == "10.0.0.9"


def test_a_password_that_no_longer_passes_the_rules_must_be_changed_after_sign_in(world):
    """ASVS 2.1.7: checked at sign-in too, so a password set before a list grew is caught."""
    world.owner.set_password("matkhau123456")  # on the Vietnamese list; set around the validators
    world.owner.save()
    client = Client()
    response = client.post("/sign-in/", {"username": "owner", "password": "matkhau123456"})
    assert response.status_code == 302 and response["Location"] == "/account/password/"
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, actor=world.owner).detail["weak_password"] is True
    for path in ("/", "/today/", "/account/"):
        assert client.get(path)["Location"] == "/account/password/", path
    page = client.get("/account/password/")
    assert page.status_code == 200 and "không còn đạt yêu cầu" in page.content.decode()
    new = "Sông Đà mùa nước đỏ 2026"
    response = client.post(
        "/account/password/", {"old_password": "matkhau123456", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert client.get("/today/").status_code == 200


def test_a_password_that_passes_the_rules_signs_in_as_usual(world):
    response = Client().post("/sign-in/", {"username": "owner", "password": PASSWORD})
    assert response["Location"] == "/today/"
    assert "weak_password" not in AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, actor=world.owner).detail


def test_the_weak_password_check_survives_the_second_factor_step(world):
    world.owner.set_password("matkhau123456")
    world.owner.save()
    enrol(world.owner)
    client = Client()
    client.post("/sign-in/", {"username": "owner", "password": "matkhau123456"})
    response = code_step(client, current_code())
    assert response["Location"] == "/account/password/"
    assert client.get("/")["Location"] == "/account/password/"


def account_page_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert account_page(client).count('data-testid="open-session"') >= 1
    return len(queries)


def test_the_account_page_costs_as_many_queries_for_ten_sessions_as_for_one(world):
    laptop = signed_in()
    account_page(laptop)  # the first page after signing in may write the touched time
    one = account_page_queries(laptop)
    for _n in range(9):
        signed_in(ip="10.0.0.9")
    assert UserSession.objects.filter(user=world.owner).count() == 10
    assert account_page(laptop).count('data-testid="open-session"') == 10
    assert account_page_queries(laptop) == one
