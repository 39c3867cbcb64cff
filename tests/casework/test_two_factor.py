"""The second sign-in factor inside the sign-in door: TOTP codes (RFC 6238), single-use
recovery codes, enrolment on first sign-in, lockout and audit (decisions 150–152)."""

import hashlib

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.utils import timezone

from casework import twofactor
from casework.lib import totp
from casework.models import AuditEvent, RecoveryCode, TwoFactorDevice
from tests.fixtures.personas import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

START = "2026-03-02 08:00:10 +0700"
SECRET = b"12345678901234567890"


@pytest.mark.parametrize(
    ("when", "sha1", "sha256", "sha512"),
    [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ],
)
def test_totp_matches_the_rfc_6238_appendix_b_vectors(when, sha1, sha256, sha512):
    step = totp.step_at(when)
    assert totp.code_for_step(SECRET, step, digits=8) == sha1
    secret256 = b"12345678901234567890123456789012"
    assert totp.code_for_step(secret256, step, digits=8, digest=hashlib.sha256) == sha256
    secret512 = b"1234567890123456789012345678901234567890123456789012345678901234"
    assert totp.code_for_step(secret512, step, digits=8, digest=hashlib.sha512) == sha512


def test_codes_of_the_neighbouring_steps_match_and_older_ones_do_not():
    now = 1_800_000_000
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(SECRET, totp.code_for_step(SECRET, step + offset), when=now) == step + offset
    assert totp.matching_step(SECRET, totp.code_for_step(SECRET, step - 2), when=now) is None
    assert totp.matching_step(SECRET, "12a456", when=now) is None
    assert totp.matching_step(SECRET, "", when=now) is None


def test_the_sealed_secret_opens_only_with_its_key_and_unchanged(settings):
    sealed = twofactor.seal(SECRET)
    assert SECRET.hex() not in sealed and totp.base32(SECRET) not in sealed
    assert twofactor.unseal(sealed) == SECRET
    assert twofactor.seal(SECRET) != sealed  # a fresh nonce each time
    tampered = sealed[:10] + ("A" if sealed[10] != "A" else "B") + sealed[11:]
    with pytest.raises(twofactor.UnsealError):
        twofactor.unseal(tampered)
    settings.CAUNOI_TWO_FACTOR_KEY = "another-key"
    with pytest.raises(twofactor.UnsealError):
        twofactor.unseal(sealed)


def enrol(user, secret: bytes = SECRET) -> list[str]:
    TwoFactorDevice.objects.create(user=user, sealed_secret=twofactor.seal(secret), confirmed_at=timezone.now())
    return twofactor.replace_recovery_codes(user)


def current_code(secret: bytes = SECRET, offset: int = 0) -> str:
    return totp.code_for_step(secret, totp.step_at() + offset)


def password_step(client, username="owner", ip="10.0.0.1", next_url=""):
    path = "/sign-in/" + (f"?next={next_url}" if next_url else "")
    return client.post(path, {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)


def code_step(client, code, ip="10.0.0.1"):
    return client.post("/sign-in/code/", {"code": code}, REMOTE_ADDR=ip)


def failures(**filters):
    return AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username="owner", **filters)


def test_an_enrolled_user_is_not_signed_in_until_the_second_step(world):
    enrol(world.owner)
    client = Client()
    with time_machine.travel(START, tick=False):
        response = password_step(client, next_url="/cases/")
        assert response.status_code == 302 and response["Location"] == "/sign-in/code/"
        assert SESSION_KEY not in client.session
        assert client.get("/").status_code == 302  # still signed out
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()

        done = code_step(client, current_code())
        assert done.status_code == 302 and done["Location"] == "/cases/"
        assert client.session[SESSION_KEY] == str(world.owner.pk)
    login = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, actor=world.owner)
    assert login.detail == {"second_factor": "totp"}


def test_a_code_cannot_be_used_twice_nor_an_older_one_after_a_newer(world):
    enrol(world.owner)
    with time_machine.travel(START, tick=False):
        first = Client()
        password_step(first)
        code = current_code()
        assert code_step(first, code).status_code == 302
        second = Client()
        password_step(second)
        assert code_step(second, code).status_code == 401
        assert code_step(second, current_code(offset=-1)).status_code == 401
        assert SESSION_KEY not in second.session
        assert failures(detail__second_factor=True).count() == 2
        # The next step's code (within the window) still works.
        assert code_step(second, current_code(offset=1)).status_code == 302


def test_a_recovery_code_works_once(world):
    codes = enrol(world.owner)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(row.code_hash != code for row, code in zip(RecoveryCode.objects.order_by("pk"), codes, strict=True))
    client = Client()
    password_step(client)
    assert code_step(client, codes[3].upper()).status_code == 302
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOGIN).detail == {"second_factor": "recovery"}
    assert twofactor.remaining_recovery_codes(world.owner) == 9

    again = Client()
    password_step(again)
    assert code_step(again, codes[3]).status_code == 401
    assert SESSION_KEY not in again.session


def test_wrong_codes_count_toward_the_lockout(world):
    enrol(world.owner)
    client = Client()
    with time_machine.travel(START, tick=False):
        password_step(client)
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            assert code_step(client, "000000").status_code == 401
        # Locked: even the right code is not checked, and the half sign-in is dropped.
        locked = code_step(client, current_code())
        assert locked.status_code == 429
        assert SESSION_KEY not in client.session
        assert failures(detail__locked=True).count() == 1
        assert code_step(client, current_code())["Location"] == "/sign-in/"
        # The password step is locked too for this username and address.
        assert password_step(Client()).status_code == 429


def test_wrong_codes_count_toward_the_account_throttle(world):
    enrol(world.owner)
    with time_machine.travel(START, tick=False):
        for address in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT):
            client = Client()
            password_step(client, ip=f"10.3.{address}.1")
            assert code_step(client, "000000", ip=f"10.3.{address}.1").status_code == 401
        # A new address with the right password is held by the account's cool-down.
        assert password_step(Client(), ip="10.4.0.1").status_code == 429


def test_the_half_sign_in_expires(world):
    enrol(world.owner)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        password_step(client)
        traveller.shift(settings.CAUNOI_TWO_FACTOR_PENDING_SECONDS + 1)
        response = code_step(client, current_code())
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert SESSION_KEY not in client.session


def test_the_code_page_without_a_password_step_sends_to_sign_in(world):
    assert Client().get("/sign-in/code/")["Location"] == "/sign-in/"
    assert Client().get("/sign-in/enrol/")["Location"] == "/sign-in/"


def test_without_the_requirement_an_unenrolled_user_signs_in_with_the_password(world, settings):
    settings.CAUNOI_REQUIRE_2FA = False
    response = password_step(Client())
    assert response.status_code == 302 and response["Location"] == "/today/"


def test_first_sign_in_enrols_and_shows_the_recovery_codes_once(world, settings):
    settings.CAUNOI_REQUIRE_2FA = True
    client = Client()
    with time_machine.travel(START, tick=False):
        assert password_step(client)["Location"] == "/sign-in/enrol/"
        page = client.get("/sign-in/enrol/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "<svg" in body and "otpauth" not in body.split("<svg")[0]
        device = TwoFactorDevice.objects.get(user=world.owner)
        assert device.confirmed_at is None
        secret = twofactor.unseal(device.sealed_secret)
        assert totp.grouped(secret) in body
        assert totp.base32(secret) not in device.sealed_secret

        assert client.post("/sign-in/enrol/", {"code": "000000"}).status_code == 401
        assert SESSION_KEY not in client.session
        assert failures(detail__enrolment=True).count() == 1

        done = client.post("/sign-in/enrol/", {"code": current_code(secret)})
        assert done.status_code == 200
        assert client.session[SESSION_KEY] == str(world.owner.pk)
    shown = done.content.decode()
    assert shown.count("<li>") >= 10 and twofactor.remaining_recovery_codes(world.owner) == 10
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT, detail__event="two_factor_enrolled").exists()
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOGIN).detail == {"second_factor": "enrolled"}

    # The secret is never shown again: the next sign-in asks for a code.
    other = Client()
    assert password_step(other)["Location"] == "/sign-in/code/"
    assert other.get("/sign-in/enrol/")["Location"] == "/sign-in/code/"


def test_a_signed_in_user_sets_up_an_authenticator_from_the_account_page(world, monkeypatch):
    from casework import account_tasks

    monkeypatch.setattr(account_tasks, "dispatch", lambda task, *args: task.apply(args))
    world.owner.email = "owner@example.org"
    world.owner.save()
    client = sign_in(world.owner)
    page = client.get("/account/")
    assert page.status_code == 200 and "/account/two-factor/" in page.content.decode()
    with time_machine.travel(START, tick=False):
        client = sign_in(world.owner)
        setup = client.get("/account/two-factor/")
        assert setup.status_code == 200 and "<svg" in setup.content.decode()
        secret = twofactor.unseal(TwoFactorDevice.objects.get(user=world.owner).sealed_secret)
        done = client.post("/account/two-factor/", {"code": current_code(secret)})
        assert done.status_code == 200 and 'data-testid="recovery-codes"' in done.content.decode()
        assert twofactor.is_enrolled(world.owner)
        [notice] = mail.outbox
        assert notice.to == ["owner@example.org"] and "ứng dụng xác thực" in notice.body.lower()
        assert client.get("/account/two-factor/")["Location"] == "/account/"
    # From now on the password alone does not sign in.
    assert password_step(Client())["Location"] == "/sign-in/code/"


def test_new_recovery_codes_replace_the_old_ones(world):
    old = enrol(world.owner)
    client = sign_in(world.owner)
    response = client.post("/account/recovery-codes/")
    assert response.status_code == 200
    assert twofactor.remaining_recovery_codes(world.owner) == 10
    assert not twofactor.use_recovery_code(world.owner, old[0])
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT, detail__event="recovery_codes_replaced").exists()
