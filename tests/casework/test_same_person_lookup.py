"""The import's same-person lookup (decision 307): the database is asked for the exact keys,
so a common name shared by many people in other years and provinces is not read at all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import duplicates
from casework.duplicates import earlier_cases_of_same_people
from casework.models import Person, Province

pytestmark = pytest.mark.django_db


def _people(count: int, **fields) -> list[Person]:
    people = [Person(**fields) for _index in range(count)]
    for person in people:
        person.derive_fields()
    return Person.objects.bulk_create(people)


def test_only_the_people_with_the_exact_key_or_number_are_read(reference_data):
    lao_cai, ha_noi = Province.objects.get(code="LCA"), Province.objects.get(code="HN")
    # Namesakes: the same name, other years and provinces; none is the person looked for.
    _people(30, full_name="Nguyễn Thị Hư Cấu", birth_year=1990, home_province=ha_noi)
    _people(30, full_name="Nguyễn Thị Hư Cấu", birth_year=1991, home_province=lao_cai)
    [same] = _people(1, full_name="nguyễn thị hư cấu", birth_year=1990, home_province=lao_cai)
    [by_number] = _people(1, full_name="Trần Văn Khác", document_number="001 090 000 123")

    rows = list(duplicates._candidates({("nguyen thi hu cau", 1990, lao_cai.pk)}, {"001090000123"}))

    assert sorted(row[0] for row in rows) == sorted([same.pk, by_number.pk])


def test_keys_beyond_one_statement_are_asked_in_batches(reference_data, monkeypatch):
    monkeypatch.setattr(duplicates, "KEY_BATCH", 3)
    lao_cai = Province.objects.get(code="LCA")
    earlier = _people(7, full_name="Lê Thị Hư Cấu", birth_year=1995, home_province=lao_cai)
    earlier += [
        _people(1, full_name=f"Phạm Văn Số {n}", birth_year=1980 + n, home_province=lao_cai)[0] for n in range(7)
    ]

    with CaptureQueriesContext(connection) as queries:
        found = earlier_cases_of_same_people(earlier)

    people_queries = [q for q in queries.captured_queries if 'FROM "casework_person"' in q["sql"]]
    # Eight keys (one shared by seven people) in batches of three: three statements.
    assert len(people_queries) == 3
    # Nobody has a case yet: the lists are empty, one per person, in order.
    assert found == [[] for _person in earlier]
