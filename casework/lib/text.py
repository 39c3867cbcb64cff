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
