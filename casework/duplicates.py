"""Is this person already registered? One rule for the wizard and for imports.

Exactly the same normalised full name, birth year and home province, or the same identity
document number. Matching is exact on purpose: a prefix match would let anyone spell out a
registered victim's name letter by letter.
"""

from django.db.models import Q, QuerySet

from casework.lib.text import normalize_document_number, normalize_name
from casework.models import Case, Person


def person_match(*, full_name: str, birth_year: int | None, home_province, document_number: str) -> Q | None:
    """The condition on Person for "the same person", or None when too little is known."""
    matches = Q()
    name_key = normalize_name(full_name or "")
    if name_key and birth_year and home_province:
        matches |= Q(name_key=name_key, birth_year=birth_year, home_province=home_province)
    number = normalize_document_number(document_number or "")
    if number:
        matches |= Q(document_number=number)
    return matches or None


def cases_of_same_person(person: Person) -> QuerySet[Case]:
    """Other people's cases that look like this person's (the person herself excluded)."""
    matches = person_match(
        full_name=person.full_name,
        birth_year=person.birth_year,
        home_province=person.home_province_id,
        document_number=person.document_number,
    )
    if matches is None:
        return Case.objects.none()
    people = Person.objects.filter(matches).exclude(pk=person.pk).values("pk")
    return Case.objects.filter(person__in=people)
