"""Age from the year of birth alone: a child until 31 December of the year she turns 18 (the
conservative default of CAUNOI_AGE_FROM_BIRTH_YEAR), and an explicit child flag that agrees
with the rule is accepted on import."""

import datetime

import pytest
import time_machine

from casework.models import Case, Person, Province
from casework.models.people import age_from_birth_year
from tests.fixtures.personas import acting, make_agency, make_case, make_user

LAST_DAY_CHILD = datetime.date(2026, 12, 31)
VIETNAM = datetime.timezone(datetime.timedelta(hours=7))
# Both days are in the past for the registration and import tests.
AFTER = time_machine.travel(datetime.datetime(2027, 1, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
FIRST_DAY_ADULT = datetime.date(2027, 1, 1)


def test_born_2008_is_a_child_on_the_last_day_of_2026_and_an_adult_on_new_year():
    person = Person(birth_year=2008)
    assert person.age_on(LAST_DAY_CHILD) == 17
    assert person.age_on(FIRST_DAY_ADULT) == 18
    assert person.age_on(datetime.date(2026, 1, 1)) == 17


def test_the_year_of_birth_itself_and_a_day_before_it():
    assert age_from_birth_year(2026, datetime.date(2026, 6, 1)) == 0
    assert age_from_birth_year(2026, datetime.date(2027, 6, 1)) == 0
    assert age_from_birth_year(2026, datetime.date(2028, 6, 1)) == 1
    assert age_from_birth_year(2027, datetime.date(2026, 6, 1)) < 0  # refused by the callers


def test_a_full_date_of_birth_is_counted_to_the_day():
    person = Person(birth_date=datetime.date(2008, 7, 1), birth_year=2008)
    assert person.age_on(datetime.date(2026, 6, 30)) == 17
    assert person.age_on(datetime.date(2026, 7, 1)) == 18


def test_the_setting_can_choose_the_year_difference(settings):
    settings.CAUNOI_AGE_FROM_BIRTH_YEAR = "year_difference"
    assert Person(birth_year=2008).age_on(LAST_DAY_CHILD) == 18
    assert Person(birth_year=2008).age_on(datetime.date(2025, 12, 31)) == 17


@AFTER
@pytest.mark.parametrize("day, child, age", [(LAST_DAY_CHILD, True, 17), (FIRST_DAY_ADULT, False, 18)])
def test_registration_flags_the_child_by_the_rule(reference_data, day, child, age):
    police = make_agency("age-police", "police", "LCA")
    worker = make_user("age.worker", police, "caseworker")
    received = datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=VIETNAM)
    case = make_case(police, acting(worker), name="Vàng Thị Dế", birth_year=2008, received_at=received)
    assert (case.is_child, case.age_at_reception) == (child, age)
    assert Case.objects.get(pk=case.pk).is_child is child
    assert case.reception_province == Province.objects.get(code="LCA")


@AFTER
def test_an_import_marking_a_child_born_in_2008_is_not_refused_in_2026(reference_data):
    from django.utils import timezone

    from exchange.htcds.reading import Defaults, Lookups, check_rows

    header = [
        "cnx_ExternalId",
        "prs_FirstName",
        "prs_SecondName",
        "prs_Gender",
        "cnx_BirthYear",
        "vic_TraffickingStatus",
        "cnx_ReceivedAt",
        "cnx_ReceptionProvince",
        "cnx_Ethnicity",
        "cnx_IsChild",
    ]
    common = ["Dế", "Vàng Thị", "Feminine", "2008", "PossibleVictimOfTrafficking"]
    table = [
        header,
        ["AGE-1", *common, "2026-12-31T10:00:00+07:00", "LCA", "08", "TRUE"],
        ["AGE-2", *common, "2027-01-01T10:00:00+07:00", "LCA", "08", "FALSE"],
    ]
    rows, problems = check_rows(table, Lookups.load(), Defaults(reception_province=None, now=timezone.now()))
    messages = [str(problem) for problem in problems]
    assert not [message for message in messages if "cnx_IsChild" in message or "cnx_BirthYear" in message]
    by_id = {row.external_id: row for row in rows}
    assert by_id["AGE-1"].age_at_reception() == 17 and by_id["AGE-1"].is_child is True
    assert by_id["AGE-2"].age_at_reception() == 18 and by_id["AGE-2"].is_child is False
