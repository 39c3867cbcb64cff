"""Is this person already registered? One rule for the wizard and for imports.

Exactly the same normalised full name, birth year and home province, or the same identity
document number. Matching is exact on purpose: a prefix match would let anyone spell out a
registered victim's name letter by letter.
"""

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform

from casework.access import visible_cases
from casework.lib.text import normalize_document_number, normalize_name
from casework.models import AuditEvent, Case, Person, PersonLink, SensitivityClass


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


def flagged_duplicates(case: Case) -> QuerySet[Case]:
    """The cases whose registration told this case's owner "the same person was registered
    again" (the `possible_duplicate` line, decision 5): the owner already knows them."""
    references = (
        AuditEvent.objects.filter(case=case, detail__has_key="possible_duplicate_of")
        .annotate(other=KeyTextTransform("possible_duplicate_of", "detail"))
        .values("other")
    )
    return Case.objects.filter(reference__in=references)


def same_person_candidates(user, case: Case, *, is_lead: bool, links: list[PersonLink] | None = None) -> QuerySet[Case]:
    """The cases this user may link `case` with as the same person (decision 193): those the
    duplicate rule flagged to this case's owner (for the owner), and those the rule matches now
    that the user already sees with their identity. Never a search: nothing the user does not
    already know is offered. Merged cases and cases already linked (`links`, the case's active
    links when the caller has them) are left out."""
    rule = cases_of_same_person(case.person).filter(pk__in=visible_cases(user, SensitivityClass.IDENTITY))
    offered = Q(pk__in=rule.values("pk"))
    if is_lead:
        offered |= Q(pk__in=flagged_duplicates(case).values("pk"))
    if links is None:
        links = list(PersonLink.objects.filter(Q(case_a=case) | Q(case_b=case), unlinked_at__isnull=True))
    linked_ids = {pk for link in links for pk in (link.case_a_id, link.case_b_id)}
    return (
        Case.objects.filter(offered, merged_into__isnull=True)
        .exclude(pk__in=linked_ids | {case.pk})
        .select_related("owning_agency")
        .order_by("reference")
    )
