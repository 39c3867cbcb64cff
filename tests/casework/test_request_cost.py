"""What a signed-in page costs besides its own work (issue 18, "Per-request cost"): the session is
not written on every page, the active membership comes with the user in one query, and the
header's counts come from the cache. Each saving keeps its rule: the idle limit, an ended
membership stopping access at once, the user who just acted seeing the new count."""

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.fixtures.personas import sign_in

pytestmark = pytest.mark.django_db

START = "2026-03-02 08:00 +0700"


def statements(client, url, **extra) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    return [query["sql"] for query in captured.captured_queries], response


def session_writes(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if sql.startswith(("UPDATE", "INSERT")) and "django_session" in sql]


def test_pages_within_a_minute_do_not_write_the_session_and_the_next_one_does(world):
    with time_machine.travel(START, tick=False) as traveller:
        client = sign_in(world.owner)
        key = client.session.session_key
        expiry = Session.objects.get(session_key=key).expire_date
        for _ in range(3):
            traveller.shift(19)
            sqls, response = statements(client, "/account/")
            assert response.status_code == 200
            assert session_writes(sqls) == []
        assert Session.objects.get(session_key=key).expire_date == expiry
        # 61 s after the last action written (the sign-in): written, and the stored expiry renewed.
        traveller.shift(settings.SESSION_ACTIVITY_SECONDS + 1 - 3 * 19)
        sqls, response = statements(client, "/account/")
        assert len(session_writes(sqls)) == 1
        assert Session.objects.get(session_key=key).expire_date > expiry


def test_the_idle_limit_counts_from_the_last_action_written(world):
    """The idle limit holds to SESSION_ACTIVITY_SECONDS: an action less than a minute after the
    last one written does not move the limit; one a minute or more later does."""
    with time_machine.travel(START, tick=False) as traveller:
        client = sign_in(world.owner)
        traveller.shift(settings.SESSION_ACTIVITY_SECONDS)
        assert client.get("/account/").status_code == 200  # written: the clock starts here
        traveller.shift(30)
        assert client.get("/account/").status_code == 200  # not written
        traveller.shift(settings.SESSION_IDLE_SECONDS - 30 - 1)
        assert client.get("/account/").status_code == 200  # written (29:59 after the last one)
        traveller.shift(settings.SESSION_IDLE_SECONDS + 1)
        response = client.get("/account/")
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_the_user_and_the_active_membership_are_one_query(world):
    client = sign_in(world.owner)
    client.get("/account/")
    sqls, response = statements(client, "/account/")
    assert response.context["active_membership"].user_id == world.owner.pk
    # No query of the user alone; one of the membership that brings the user along.
    assert not [sql for sql in sqls if 'FROM "casework_user" WHERE' in sql]
    together = [sql for sql in sqls if 'FROM "casework_membership"' in sql and '"casework_user"."password"' in sql]
    assert len(together) == 1


@pytest.mark.parametrize("ended", ["membership", "agency", "user"])
def test_an_ended_membership_agency_or_account_stops_access_at_the_next_request(world, ended):
    client = sign_in(world.owner)
    case_page = f"/cases/{world.case.public_id}/"
    assert client.get(case_page).status_code == 200
    membership = world.owner.memberships.get(agency=world.police)
    target = {"membership": membership, "agency": world.police, "user": world.owner}[ended]
    type(target).objects.filter(pk=target.pk).update(is_active=False)
    response = client.get(case_page)
    assert response.status_code in (302, 404)
    assert world.case.reference.encode() not in response.content


def test_a_password_changed_elsewhere_signs_this_session_out(world):
    client = sign_in(world.owner)
    assert client.get("/account/").status_code == 200
    world.owner.set_password("an entirely new passphrase 2026")
    world.owner.save()
    response = client.get("/account/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
