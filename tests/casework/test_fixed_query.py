"""Queries compiled once per process (decision 337): each must run exactly the statement the ORM
would compile for the caller's values, and give the same instances, or a Django upgrade that
compiles differently would go unnoticed. Run on SQLite and, under CI, on PostgreSQL."""

import datetime
import importlib
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import access
from casework.lib.fixed_query import FixedQuery
from casework.middleware import _active_membership_query, _membership_with_user
from casework.models import Case, CaseGrant, Membership
from tests.fixtures.personas import acting, make_case, sign_in

# Every module that makes one, so that the test below sees them all.
MODULES = (
    "casework.access",
    "casework.middleware",
    "casework.session_store",
    "casework.reception",
    "casework.views.cases",
    "casework.same_person",
    "referrals.templatetags.referral_tags",
    "shelters.templatetags.shelter_tags",
)
VALUES = {
    int: 4242,
    str: "k3y-of-a-session-0123456789",
    uuid.UUID: uuid.UUID("12345678-1234-5678-1234-567812345678"),
    datetime.datetime: datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC),
}


def fields_of(instance) -> dict:
    return {key: value for key, value in instance.__dict__.items() if key != "_state"}


@pytest.mark.django_db
def test_every_fixed_query_runs_what_the_orm_compiles():
    for module in MODULES:
        importlib.import_module(module)
    made = [query for query in FixedQuery.made if query.build.__module__ in MODULES]
    assert len(made) >= 12
    for query in made:
        args = [VALUES[kind] for kind in query.kinds]
        expected_sql, expected_params = query.build(*args).query.get_compiler(using="default").as_sql()
        sql, params = query.statement(*args)
        assert sql == expected_sql, query.build
        assert params == list(expected_params), query.build


def test_the_membership_and_user_are_the_orms_in_one_statement(world):
    membership = Membership.objects.get(user=world.owner)
    expected = _active_membership_query(membership.pk, world.owner.pk).select_related("user").first()
    with CaptureQueriesContext(connection) as captured:
        found = _membership_with_user(membership.pk, world.owner.pk)
        assert len(found) == 1
        loaded = found[0]
        # select_related: the user, the agency, its kind and the group come with it.
        assert (loaded.user.username, loaded.agency.code, loaded.agency.kind.code) == (
            "owner",
            world.police.code,
            world.police.kind.code,
        )
        assert loaded.agency_group.group_id == expected.agency_group.group_id
    assert len(captured.captured_queries) == 1
    assert fields_of(loaded) == fields_of(expected)
    assert fields_of(loaded.user) == fields_of(expected.user)
    assert fields_of(loaded.agency) == fields_of(expected.agency)


def test_an_ended_membership_is_not_found_on_the_next_request(world):
    client = sign_in(world.owner)
    assert client.get("/").status_code == 200
    Membership.objects.filter(user=world.owner).update(is_active=False)
    answer = client.get("/")
    # No usable membership: sent to choose one, the list not shown.
    assert answer.status_code == 302
    assert answer["Location"].startswith("/agency/")


def test_the_case_comes_by_uuid_or_its_text_and_a_missing_one_is_none(world):
    case = Case.objects.get(pk=world.case.pk)
    by_uuid = access._case_by_public_id(case.public_id)[0]
    by_text = access._case_by_public_id(str(case.public_id))[0]
    expected = Case.objects.select_related(*access.CASE_RELATED).get(pk=case.pk)
    assert fields_of(by_uuid) == fields_of(by_text) == fields_of(expected)
    with CaptureQueriesContext(connection) as captured:
        assert by_uuid.person.full_name == expected.person.full_name
        assert by_uuid.owning_agency.code == world.police.code
    assert captured.captured_queries == []
    assert access._case_by_public_id(uuid.uuid4()) == []


def test_none_goes_through_the_orm(world):
    assert access._grants_of_group(world.case.pk, None) == list(
        CaseGrant.objects.filter(case=world.case, group_id=None, revoked_at__isnull=True)
    )


def test_known_objects_are_set_without_a_query(world):
    case = Case.objects.get(pk=world.case.pk)
    grants = access._holders_grants(acting(world.owner), world.owner.active_membership, case)
    assert grants
    with CaptureQueriesContext(connection) as captured:
        assert all(grant.case is case for grant in grants)
    assert captured.captured_queries == []


def test_standing_is_the_same_for_the_lead_a_colleague_and_the_shelter(world):
    second = make_case(world.police, acting(world.owner), name="Lò Thị Sua")
    for user in (world.owner, world.colleague, world.shelter, world.outsider):
        for case in (world.case, second):
            held = access.standing(acting(user), case)
            expected = CaseGrant.objects.filter(case=case, revoked_at__isnull=True).filter(
                group_id=user.active_membership.group_id
            )
            if (
                user.active_membership.agency_id == case.owning_agency_id
                and user.active_membership.role == "caseworker"
            ):
                expected = expected | CaseGrant.objects.filter(case=case, revoked_at__isnull=True, user=user)
            assert {grant.pk for grant in held.grants} == set(expected.values_list("pk", flat=True)), user


def test_the_session_is_read_while_unexpired_only(world):
    client = sign_in(world.owner)
    key = client.session.session_key
    from casework.session_store import SessionStore, _unexpired_session

    assert [row.session_key for row in _unexpired_session(key, timezone.now())] == [key]
    assert SessionStore(session_key=key).load()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    store = SessionStore(session_key=key)
    assert store.load() == {}
    assert store.session_key is None
    assert client.get("/").status_code == 302


def test_an_argument_the_query_does_not_compare_is_refused():
    query = FixedQuery(lambda pk: Case.objects.filter(reference="x")[:1], int)
    with pytest.raises(LookupError):
        query.statement(1)


@pytest.mark.postgres
def test_on_postgresql_the_statement_is_prepared_once_per_connection(world):
    case = Case.objects.get(pk=world.case.pk)
    for _ in range(3):
        assert access._case_by_public_id(case.public_id)[0].pk == case.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT "casework_case"."id", "casework_case"."public_id"%'],
        )
        runs = [row[0] for row in cursor.fetchall()]
    assert runs == [3]


@pytest.mark.postgres
def test_without_prepared_statements_the_statement_runs_unprepared(world, monkeypatch):
    """DATABASE_PREPARED_STATEMENTS=false (a pooler in transaction mode) leaves the option out."""
    monkeypatch.delitem(connection.settings_dict["OPTIONS"], "prepare_threshold")
    case = Case.objects.get(pk=world.case.pk)
    assert access._case_by_public_id(case.public_id)[0].pk == case.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)
