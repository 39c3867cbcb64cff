"""The case's copy of its person's search name (decision 335): the database keeps it on every
path a case or a name can change by, so the name search finds exactly what the person rows say."""

from django.apps import apps
from django.db import connection
from django.db.models.signals import post_migrate

from casework import search_name_triggers
from casework.models import Case, Person
from tests.fixtures.personas import make_case, sign_in


def stored_name(case: Case) -> str:
    return Case.objects.values_list("search_name", flat=True).get(pk=case.pk)


def test_a_new_case_carries_its_persons_search_name(world):
    assert stored_name(world.case) == world.case.person.search_name == "nguyen thi lan"


def test_renaming_the_person_renames_every_case_of_theirs(world):
    person = world.case.person
    second = Case.objects.get(pk=make_case(world.police, world.owner, name="Lò Thị Sua").pk)
    Case.objects.filter(pk=second.pk).update(person=person)
    person.full_name, person.other_names = "Giàng Thị Mỷ", "Mỷ"
    person.save()
    assert stored_name(world.case) == stored_name(second) == "giang thi my my"
    assert set(Case.objects.filter(search_name__contains="nguyen thi lan").values_list("pk", flat=True)) == set()


def test_a_case_moved_to_another_person_takes_that_persons_name(world):
    other = Person.objects.create(full_name="Đặng Thị Mai")
    case = Case.objects.get(pk=world.case.pk)
    case.person = other
    case.save()
    assert stored_name(case) == "dang thi mai"


def test_a_name_written_on_the_case_is_replaced_by_the_persons(world):
    Case.objects.filter(pk=world.case.pk).update(search_name="someone else")
    case = Case.objects.get(pk=world.case.pk)
    case.search_name = "forged"
    case.save()
    assert stored_name(case) == "nguyen thi lan"


def test_every_case_agrees_with_its_person(world):
    make_case(world.police, world.owner, name="Vũ Thị Hoa", birth_year=2002)
    rows = Case.objects.values_list("search_name", "person__search_name")
    assert len(rows) >= 2
    assert all(copied == source for copied, source in rows)


def test_the_search_follows_a_rename(world):
    person = world.case.person
    person.full_name = "Hoàng Thị Nga"
    person.save()
    client = sign_in(world.owner)
    assert world.case.reference.encode() in client.get("/", {"q": "hoang thi"}).content
    assert world.case.reference.encode() not in client.get("/", {"q": "nguyen thi"}).content


def test_a_migrate_installs_the_triggers_again_where_they_went(world):
    """SQLite drops a table's triggers when a migration rebuilds the table; every migrate
    installs them again (PostgreSQL's statements are idempotent the same way)."""
    search_name_triggers.remove(connection)
    lost = make_case(world.police, world.owner, name="Vàng Thị Dợ")
    assert stored_name(lost) == ""  # the check can fail: without the triggers nothing copies
    post_migrate.send(
        sender=apps.get_app_config("casework"),
        app_config=apps.get_app_config("casework"),
        verbosity=0,
        interactive=False,
        using=connection.alias,
        apps=apps,
        plan=[],
    )
    kept = make_case(world.police, world.owner, name="Mùa Thị Sông")
    assert stored_name(kept) == "mua thi song"
    search_name_triggers.install(connection)  # twice is the same as once
    person = kept.person
    person.full_name = "Mùa Thị Sinh"
    person.save()
    assert stored_name(kept) == "mua thi sinh"
