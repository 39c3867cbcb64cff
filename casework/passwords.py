"""A password validator for passwords common in Vietnam, beside Django's own (offline) list."""

import re
import unicodedata
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

# Django 5.2's MinimumLengthValidator message, which Django's own Vietnamese catalogue does not
# have yet (it has the older "%(min_length)d" wording): named here so that makemessages keeps
# its translation in ours.
DJANGO_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)

LIST_PATH = Path(__file__).resolve().parent / "data" / "common-passwords-vi.txt"
# Digits, punctuation and spaces around a stem: "Anh yêu em 2024!" is still "anhyeuem".
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def fold(text: str) -> str:
    """Lowercase without diacritics (đ as d) or spaces."""
    text = text.lower().replace("đ", "d")
    text = "".join(char for char in unicodedata.normalize("NFD", text) if not unicodedata.combining(char))
    return "".join(text.split())


@cache
def common_stems(path: Path = LIST_PATH) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line) for line in lines if line.strip() and not line.startswith("#"))


class VietnameseCommonPasswordValidator:
    """Refuses a password that is a common stem (casework/data/common-passwords-vi.txt),
    whatever its case, accents or spaces, alone or padded with digits and punctuation."""

    def validate(self, password, user=None):
        folded = fold(password)
        if folded in common_stems() or _PADDING.sub("", folded) in common_stems():
            raise ValidationError(_("This password is too common."), code="password_too_common")

    def get_help_text(self):
        return _("Your password can’t be a phrase common in Vietnam (such as “anhyeuem”), even with digits added.")


# ASVS 2.1.2: at least 64 characters work, more than 128 are refused wherever a password is set.
# The sign-in and confirmation forms accept up to 200, so no password that could be set is cut.
MAX_PASSWORD_LENGTH = 128


class MaximumLengthValidator:
    """Refuses a password longer than `max_length` characters (a passphrase of 64 works)."""

    def __init__(self, max_length: int = MAX_PASSWORD_LENGTH):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long. It may have at most %(max_length)d characters.")
                % {"max_length": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Your password can have at most %(max_length)d characters.") % {"max_length": self.max_length}
