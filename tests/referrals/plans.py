"""What the query-plan tests share (test_query_plans.py, test_real_cost_plans.py): their
seeding — the police's referral to the social agency, whose statistics cover its province —
the SELECT statements a page ran, and the sequential scans of those statements' plans."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import StatisticsScope
from referrals import actions
from referrals.models import ReferralPurpose


def with_referral_and_provincial_statistics(net):
    """`net` with a referral from the police to the social agency, which counts its province."""
    actions.do_send_referral(
        net.case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=net.social,
        from_agency=net.police,
        actor=net.owner,
    )
    net.social.statistics_scope = StatisticsScope.PROVINCE
    net.social.save()
    return net


def selects_of(client, url, **params) -> list[str]:
    """The SELECT statements of one GET of the page (which must answer 200), compound ones
    (`(SELECT …) UNION ALL (SELECT …)`) included."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    return [sql for sql in statements if sql.lstrip(" (").upper().startswith("SELECT")]


def seq_scans(plan: dict, tables) -> list[str]:
    """The tables among `tables` that the plan reads by a Seq Scan, at any depth."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in tables:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += seq_scans(child, tables)
    return found


def explained_scans(cursor, statements: list[str], tables) -> list[tuple[str, str]]:
    """(table, the statement's start) for each Seq Scan on `tables` in the statements' plans,
    EXPLAINed with the cursor's planner settings."""
    found = []
    for sql in statements:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        found += [(table, sql[:300]) for table in seq_scans(plan[0]["Plan"], tables)]
    return found
