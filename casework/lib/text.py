"""Text helpers without models."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_name(value: str) -> str:
    """Lower case, no diacritics, đ→d, single spaces: "Nguyễn  Thị" → "nguyen thi"."""
    value = (value or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def normalize_document_number(value: str) -> str:
    """ID numbers compare without spaces, dashes or dots, upper case."""
    return re.sub(r"[\s\-./]", "", value or "").upper()


def megabytes(size: int) -> str:
    """1048576 → "1", 1572864 → "1.5" (for messages about upload limits)."""
    return f"{round(size / 1_048_576, 1):g}"


def parse_pk(value: object) -> int | None:
    """A positive integer id from user input, or None ("²" and "١" are not ids)."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def vnd(amount: int) -> str:
    """`1.500.000 ₫`: dots between thousands, the đồng sign after a space, as Vietnamese
    receipts write it."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,} ₫".replace(",", ".")
