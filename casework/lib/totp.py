"""RFC 6238 time-based one-time passwords (HMAC-SHA1, 30-second steps, 6 digits), the kind
every authenticator app reads from an otpauth:// URI. Standard library only; checked against
the RFC's appendix B vectors in tests/casework/test_totp.py."""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, the size RFC 4226 recommends for HMAC-SHA1


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def step_at(when: float | None = None) -> int:
    return int((time.time() if when is None else when) // STEP_SECONDS)


def code_for_step(secret: bytes, step: int, *, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226 HOTP of the counter `step` (RFC 6238's T)."""
    mac = hmac.new(secret, struct.pack(">Q", step), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def matching_step(secret: bytes, code: str, *, when: float | None = None, window: int = 1) -> int | None:
    """The step within ±window of now whose code is `code`, else None. Every candidate is
    compared (in constant time) so the answer takes as long whichever step matched."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(when)
    found = None
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(code_for_step(secret, step), code) and found is None:
            found = step
    return found


def base32(secret: bytes) -> str:
    """The secret as authenticator apps take it: base32 without padding."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def grouped(secret: bytes) -> str:
    """The base32 secret in groups of four, for typing it in by hand."""
    text = base32(secret)
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))


def provisioning_uri(secret: bytes, *, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode({"secret": base32(secret), "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"
