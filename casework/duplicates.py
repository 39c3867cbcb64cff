"""Is this person already registered? One rule for the wizard and for imports.

Exactly the same normalised full name, birth year and home province, or the same identity
document number. Matching is exact on purpose: a prefix match would let anyone spell out a
registered victim's name letter by letter.
"""

from collections import defaultdict

from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform

from casework import audit
from casework.access import visible_cases
from casework.lib.identifiers import identifier_digest
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


# What the notice on an earlier case's timeline needs of it (`possible_duplicate_notice`): an
# import reads thousands of earlier cases at 1,000,000, and whole rows with their agencies
# were a sixth of its time.
NOTICE_FIELDS = ("public_id", "person_id", "created_at")


def earlier_cases_of_same_people(people: list[Person], limit: int = 50) -> list[list[Case]]:
    """`cases_of_same_person` for each of `people` (saved, in the order they were registered),
    in two queries: as if each had been registered alone, the people after it in the list are
    not yet there. Each list is in the case list's order, at most `limit` long, its cases with
    the NOTICE_FIELDS only."""
    keys = {}
    for person in people:
        if normalize_name(person.full_name or "") and person.birth_year and person.home_province_id:
            keys[person.pk] = (normalize_name(person.full_name), person.birth_year, person.home_province_id)
    numbers = {person.pk: normalize_document_number(person.document_number or "") for person in people}
    numbers = {pk: number for pk, number in numbers.items() if number}
    if not keys and not numbers:
        return [[] for _person in people]
    by_key, by_number = defaultdict(set), defaultdict(set)
    for pk, name_key, birth_year, province_id, number in _candidates(set(keys.values()), set(numbers.values())):
        by_key[(name_key, birth_year, province_id)].add(pk)
        if number:
            by_number[number].add(pk)
    position = {person.pk: index for index, person in enumerate(people)}
    matches = {
        person.pk: {
            pk
            for pk in by_key.get(keys.get(person.pk), set()) | by_number.get(numbers.get(person.pk), set())
            if position.get(pk, -1) < index
        }
        for index, person in enumerate(people)
    }
    wanted = set().union(*matches.values())
    cases_by_person = defaultdict(list)
    for case in Case.objects.filter(person__in=wanted).only(*NOTICE_FIELDS):
        cases_by_person[case.person_id].append(case)
    found = []
    for person in people:
        cases = [case for pk in matches[person.pk] for case in cases_by_person[pk]]
        cases.sort(key=lambda case: (case.created_at, case.pk), reverse=True)
        found.append(cases[:limit])
    return found


# Keys per statement: three parameters each, well under SQLite's limit of one statement.
KEY_BATCH = 200


def _candidates(keys: set[tuple], numbers: set[str]):
    """(pk, name_key, birth_year, home_province_id, document_number) of the people with one of
    the exact `keys` (name key, birth year, province) or document `numbers`. Each key is its own
    condition, so the database reads `person_duplicate_key` for just those people: a name alone
    is shared by thousands of people in a national register (decision 307)."""
    keys, numbers = sorted(keys), sorted(numbers)
    for start in range(0, max(len(keys), len(numbers)), KEY_BATCH):
        matches = Q(document_number__in=numbers[start : start + KEY_BATCH]) if numbers[start:] else Q()
        if batch := keys[start : start + KEY_BATCH]:
            matches |= _one_of(batch)
        yield from Person.objects.filter(matches).values_list(
            "pk", "name_key", "birth_year", "home_province_id", "document_number"
        )


def _one_of(keys: list[tuple]) -> Q:
    """(name key, birth year, province) is one of `keys`: a list of row values, which both
    databases plan as a join on `person_duplicate_key`. An OR of one condition per key gave
    the same rows, but PostgreSQL spent 14 ms planning 200 of them at 1,000,000 people, against
    0.3 ms for the list (and 1.6 ms instead of 3.3 ms running it)."""
    rows = ", ".join(["(%s, %s, %s)"] * len(keys))
    return Q(
        RawSQL(  # noqa: S611 — the text is placeholders only; the values are parameters
            f'("name_key", "birth_year", "home_province_id") IN (VALUES {rows})',  # noqa: S608
            [value for key in keys for value in key],
            output_field=BooleanField(),
        )
    )


def audit_duplicate_check(user, person_data: dict, visible: list, others: list) -> None:
    """The search row of a duplicate check (the wizard's review step, a report through the API):
    what was looked for, as normalised, and how many were found, never who."""
    number = normalize_document_number(person_data.get("document_number", ""))
    province = person_data.get("home_province")
    audit.record(
        AuditEvent.Action.SEARCH,
        actor=user,
        detail={
            "duplicate_check": True,
            "name": normalize_name(person_data.get("full_name", "")),
            "birth_year": person_data.get("birth_year"),
            "province": province.code if province else None,
            "document_hmac": identifier_digest(number) if number else None,
            "visible": len(visible),
            "elsewhere": len(others),
        },
    )
