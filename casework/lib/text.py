"""Text helpers without models."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def with_lf(value):
    """Text with LF line breaks, as the forms clean a text area (decision 332); anything else
    as it is."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


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


# Vietnamese alphabetical order (docs/decisions.md 200): the 29 letters, with f, j, w and z of
# foreign names where the Latin alphabet puts them. Tones are a second key, in the dictionary
# order: none, huyền, hỏi, ngã, sắc, nặng.
_ALPHABET = list("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET, start=1)}
# A base letter and a breve, circumflex or horn: the letter they make.
_SHAPED = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô"}
_SHAPED |= {("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_SEPARATORS = " -\u2010\u2011\u2013/"


def vietnamese_sort_key(value: str) -> tuple:
    """A key that sorts text as a Vietnamese dictionary does: "Anh" < "Ấn Độ" < "Ba Lan",
    "Dominica" < "Đức" < "Estonia". Letters first (ă after a, đ after d, ơ after ô…), then
    the tones, then upper before lower case. Words are compared one by one (a space or a
    hyphen sorts before any letter); other punctuation is ignored, digits sort after the
    letters."""
    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for char in unicodedata.normalize("NFD", value or ""):
        if unicodedata.combining(char):
            if char in _TONE_RANK and tones:
                tones[-1] = _TONE_RANK[char]
            elif primary and 0 < primary[-1] <= len(_ALPHABET):
                shaped = _SHAPED.get((_ALPHABET[primary[-1] - 1], char))
                if shaped:
                    primary[-1] = _LETTER_RANK[shaped]
            continue  # any other mark (å, ç) leaves the letter as it is
        lower = char.lower()
        if lower in _LETTER_RANK:
            primary.append(_LETTER_RANK[lower])
        elif char in _SEPARATORS:
            if primary and primary[-1] == 0:
                continue
            primary.append(0)
        elif char.isdigit():
            primary.append(100 + unicodedata.digit(char, 0))
        elif char.isalpha():
            primary.append(1000 + ord(lower))
        else:
            continue
        tones.append(0)
        cases.append(0 if char.isupper() or not char.isalpha() else 1)
    return (tuple(primary), tuple(tones), tuple(cases))
