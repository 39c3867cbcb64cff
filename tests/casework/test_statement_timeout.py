"""A slow query ends as the 503 page within the statement timeout, never as a hung request.

PostgreSQL only (SQLite has no statement timeout). The case list is blocked by a second
connection holding an exclusive lock on the cases table, as a long migration or a stuck
transaction would; the page must answer 503 with Retry-After rather than wait.
"""

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config.env import postgres_options
from tests.fixtures.personas import sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_every_connection_carries_the_configured_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        shown = cursor.fetchone()[0]
    assert shown == f"{settings.DATABASE_STATEMENT_TIMEOUT}s"
    # A page's query starts no parallel worker (decision 305).
    assert settings.DATABASE_PARALLEL_WORKERS == 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
    assert f"statement_timeout={settings.DATABASE_STATEMENT_TIMEOUT * 1000}" in postgres_options(
        settings.DATABASE_STATEMENT_TIMEOUT
    )


def _plain_connection() -> psycopg.Connection:
    """A connection to the test database without the application's options."""
    database = connection.settings_dict
    return psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname=database["NAME"],
    )


def test_a_query_blocked_past_the_timeout_answers_the_503_page(world):
    client = sign_in(world.owner)
    assert client.get("/").status_code == 200
    blocker = _plain_connection()
    try:
        blocker.execute("LOCK TABLE casework_case IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 300")  # this session only: a short wait
        response = client.get("/")
    finally:
        blocker.rollback()
        blocker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert client.get("/").status_code == 200


def test_workers_connect_with_their_own_longer_timeout():
    from config.celery_app import use_worker_statement_timeout

    before = settings.DATABASES["default"]["OPTIONS"]["options"]
    try:
        use_worker_statement_timeout()
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            shown = cursor.fetchone()[0]
        expected = settings.DATABASE_WORKER_STATEMENT_TIMEOUT
        assert shown == (f"{expected}s" if expected < 60 else f"{expected // 60}min")
        # Exports and rollup rebuilds keep the server's parallel workers: those of a plain connection.
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            workers = cursor.fetchone()[0]
        with _plain_connection() as plain:
            assert workers == plain.execute("SHOW max_parallel_workers_per_gather").fetchone()[0]
    finally:
        settings.DATABASES["default"]["OPTIONS"]["options"] = before
        connection.close()
