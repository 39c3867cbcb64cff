"""The key pages' queries can be answered from indexes (QUALITY P2–P6).

Each page is requested as a user would; every statement it ran that reads cases, people,
permissions or referrals is EXPLAINed by PostgreSQL with sequential scans priced out
(`enable_seqscan = off`), as on a table of 200,000 rows where a scan would cost seconds.
If a query has no index it can use, the planner still has to scan, and the test names the
query and the table. The national dashboard is the exception: it counts every case in the
country, for which reading the whole table is the right plan (and is cached).
"""

import json

import pytest
from django.db import connection
from django.urls import reverse

from casework.models import Role
from tests.fixtures.personas import make_user, sign_in
from tests.referrals.plans import explained_scans, selects_of, seq_scans, with_referral_and_provincial_statistics

pytestmark = pytest.mark.postgres

# Tables that grow with the number of victims.
LARGE_TABLES = {
    "casework_case",
    "casework_person",
    "casework_casegroupobjectpermission",
    "casework_caseuserobjectpermission",
    "casework_caseevent",
    "casework_casegrant",
    "referrals_referral",
}


def scans(plan: dict) -> list[str]:
    return seq_scans(plan, LARGE_TABLES)


def sequential_scans(client, url, **params) -> list[tuple[str, str]]:
    statements = [sql for sql in selects_of(client, url, **params) if any(table in sql for table in LARGE_TABLES)]
    assert statements, "the page read no large table"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        found = explained_scans(cursor, statements, LARGE_TABLES)
        cursor.execute("SET LOCAL enable_seqscan = on")
    return found


@pytest.fixture
def planned(net):
    return with_referral_and_provincial_statistics(net)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"page": "2"},
        {"status": "reported", "children": "on"},
        {"q": "nguyen thi"},
        {"q": "dang"},
        {"mine": "on"},
    ],
    ids=["first-page", "second-page", "filtered", "search", "search-short", "mine"],
)
def test_the_case_list_uses_indexes(planned, params):
    assert sequential_scans(sign_in(planned.owner), reverse("casework:case-list"), **params) == []


def test_a_page_after_a_cursor_uses_indexes(planned):
    after = {"page": "2", "after": str(planned.case.public_id)}
    assert sequential_scans(sign_in(planned.owner), reverse("casework:case-list"), **after) == []
    before = {"page": "2", "before": str(planned.case.public_id)}
    assert sequential_scans(sign_in(planned.owner), reverse("casework:case-list"), **before) == []


def test_the_case_page_uses_indexes(planned):
    url = reverse("casework:case-detail", args=[planned.case.public_id])
    assert sequential_scans(sign_in(planned.owner), url) == []
    assert sequential_scans(sign_in(planned.supervisor), url) == []


def test_the_inbox_uses_indexes(planned):
    assert sequential_scans(sign_in(planned.social_worker), reverse("referrals:inbox")) == []


def test_the_provincial_dashboard_uses_indexes(planned):
    supervisor = planned.social_supervisor
    assert sequential_scans(sign_in(supervisor), reverse("dashboards:dashboard")) == []
    assert sequential_scans(sign_in(supervisor), reverse("dashboards:statistics")) == []


def test_the_agency_dashboard_uses_indexes(planned):
    supervisor = make_user("plan.supervisor", planned.police, Role.SUPERVISOR)
    assert sequential_scans(sign_in(supervisor), reverse("dashboards:dashboard")) == []


def test_the_check_sees_a_query_without_an_index(planned):
    """The probe itself: a filter on an unindexed column must be reported."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT id FROM casework_case WHERE closure_reason = 'x'")
        plan = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = on")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert scans(plan[0]["Plan"]) == ["casework_case"]
