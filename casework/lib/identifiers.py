"""Identifiers kept only for matching (e.g. an identity document number in the audit log of a
duplicate check) are stored as a keyed HMAC-SHA256, never as a bare hash: a CCCD has 12 digits,
so an unkeyed SHA-256 of it is reversed by trying every number in under a second."""

import hashlib
import hmac

from django.conf import settings
from django.utils.crypto import salted_hmac

# Distinct from every other use of SECRET_KEY: the derived key serves this purpose only.
KEY_SALT = "caunoi.identifier-digest"


def identifier_digest(value: str) -> str:
    """HMAC-SHA256 (hex) of an already normalised identifier, keyed by CAUNOI_IDENTIFIER_KEY or,
    when that is not set, by a key derived from SECRET_KEY with a salt of its own. Stable for as
    long as the key is: the same number gives the same digest, so matches can be found."""
    key = settings.CAUNOI_IDENTIFIER_KEY
    if key:
        return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()
    return salted_hmac(KEY_SALT, value, algorithm="sha256").hexdigest()
