"""The second sign-in factor: enrolling an authenticator, checking its codes and the recovery
codes, and resetting it (decisions 150–151).

The TOTP secret is sealed before it is stored: a random nonce, the secret XORed with
HMAC-SHA256(key, nonce) (a one-block stream cipher over a PRF), then an HMAC tag over both
under a second key (encrypt-then-MAC). The keys come from CAUNOI_TWO_FACTOR_KEY, else from
SECRET_KEY with salts of their own; changing the key unseals nothing stored before, and every
user then enrols again.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from casework import audit
from casework.account_tasks import queue_notice
from casework.lib import totp
from casework.models import AuditEvent, RecoveryCode, TwoFactorDevice

RECOVERY_CODE_COUNT = 10
# No 0/O, 1/l/I: read off paper and typed in.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
NONCE_BYTES = 16
TAG_BYTES = 32


class UnsealError(ValueError):
    pass


def _key(purpose: str) -> bytes:
    base = settings.CAUNOI_TWO_FACTOR_KEY or settings.SECRET_KEY
    return hashlib.sha256(f"caunoi.two-factor.{purpose}:{base}".encode()).digest()


def seal(secret: bytes) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    pad = hmac.new(_key("encrypt"), nonce, hashlib.sha256).digest()
    if len(secret) > len(pad):
        raise ValueError("secret longer than one block")
    body = nonce + bytes(a ^ b for a, b in zip(secret, pad, strict=False))
    tag = hmac.new(_key("authenticate"), body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(body + tag).decode("ascii")


def unseal(sealed: str) -> bytes:
    raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
    body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if len(body) <= NONCE_BYTES or not hmac.compare_digest(
        hmac.new(_key("authenticate"), body, hashlib.sha256).digest(), tag
    ):
        raise UnsealError("sealed secret does not match its key")
    nonce, cipher = body[:NONCE_BYTES], body[NONCE_BYTES:]
    pad = hmac.new(_key("encrypt"), nonce, hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(cipher, pad, strict=False))


def confirmed_device(user) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def is_enrolled(user) -> bool:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def enrolment_needed(user) -> bool:
    """Whether sign-in must stop at enrolment: the setting requires a second factor and the
    user has none confirmed."""
    return settings.CAUNOI_REQUIRE_2FA and not is_enrolled(user)


def pending_device(user) -> TwoFactorDevice:
    """The user's unconfirmed device, made with a fresh secret when there is none. A confirmed
    device is never returned here: its secret is not shown again."""
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return TwoFactorDevice.objects.create(user=user, sealed_secret=seal(totp.new_secret()))
        if device.confirmed_at is not None:
            raise ValueError("the device is already confirmed")
        return device


def verify_totp(device: TwoFactorDevice, code: str) -> bool:
    """A code of the step before, now or after, newer than the last one accepted. Accepting
    moves `last_step` forward with a compare-and-set, so two requests racing with the same
    code cannot both pass."""
    try:
        secret = unseal(device.sealed_secret)
    except (UnsealError, ValueError):
        return False
    step = totp.matching_step(secret, code, window=settings.CAUNOI_TOTP_WINDOW)
    if step is None:
        return False
    if device.last_step is not None and step <= device.last_step:
        _code_reused(device)
        return False
    previous = TwoFactorDevice.objects.filter(pk=device.pk)
    previous = previous.filter(last_step__lt=step) if device.last_step is not None else previous.filter(last_step=None)
    if not previous.update(last_step=step):
        _code_reused(device)
        return False
    device.last_step = step
    return True


def _code_reused(device: TwoFactorDevice) -> None:
    """A right code given again (ASVS 2.8.5): refused by the caller, recorded here and the
    holder told, since someone else may be typing what they saw."""
    audit.record(
        AuditEvent.Action.ACCOUNT, obj=device.user, username=device.user.get_username(), detail={"event": "code_reused"}
    )
    queue_notice(device.user, "code_reused")


def confirm_device(device: TwoFactorDevice, code: str, *, actor) -> list[str] | None:
    """Finish enrolment with a first code: the device is confirmed and ten recovery codes are
    made. Returns the codes in clear (shown once), or None for a wrong code."""
    with transaction.atomic():
        if not verify_totp(device, code):
            return None
        TwoFactorDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
        codes = replace_recovery_codes(device.user)
        audit.record(AuditEvent.Action.ACCOUNT, actor=actor, obj=device.user, detail={"event": "two_factor_enrolled"})
    return codes


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _normalise_recovery_code(code: str) -> str:
    return "".join(char for char in code.lower() if char in RECOVERY_ALPHABET)


def replace_recovery_codes(user) -> list[str]:
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=make_password(_normalise_recovery_code(code))) for code in codes]
    )
    return codes


def use_recovery_code(user, code: str) -> bool:
    """Spend one unused recovery code; the compare-and-set on `used_at` makes it single-use."""
    normalised = _normalise_recovery_code(code)
    if len(normalised) != 10:
        return False
    for candidate in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if check_password(normalised, candidate.code_hash):
            return bool(
                RecoveryCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(used_at=timezone.now())
            )
    return False


def remaining_recovery_codes(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def verify_second_factor(user, code: str) -> str | None:
    """'totp' or 'recovery' when the code is the user's, else None."""
    device = confirmed_device(user)
    if device is None:
        return None
    if verify_totp(device, code):
        return "totp"
    if use_recovery_code(user, code):
        return "recovery"
    return None


def reset_second_factor(user, *, actor, agency=None) -> bool:
    """Remove the user's authenticator and recovery codes (audited): the next sign-in enrols
    again. Returns whether there was anything to remove."""
    with transaction.atomic():
        removed, _detail = TwoFactorDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(
            AuditEvent.Action.ACCOUNT,
            actor=actor,
            obj=user,
            agency=agency,
            detail={"event": "two_factor_reset", "had_device": bool(removed)},
        )
    return bool(removed)
