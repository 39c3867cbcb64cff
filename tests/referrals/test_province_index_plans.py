"""A provincial dashboard's claims, payments and overdue steps are answered from indexes alone
(issue 18, decision 304).

They count rows of other tables whose case was received in the province. Read through the
cases' heap, a province's cases cost 35,000 page reads at 1,000,000 victims (claims 186 ms,
payments 172 ms, overdue steps 181 ms of a 618 ms page). `case_province_id` gives a province's
case ids and `referral_overdue_open` carries every column the overdue count reads, so both
can be index-only scans. Here every other way to read those tables is priced out: if an index
lacked a column the statement needs, the planner would have to fall back on one of them.
"""

import json

import pytest
from django.db import connection
from django.urls import reverse

from tests.fixtures.personas import sign_in
from tests.referrals.plans import selects_of, with_referral_and_provincial_statistics

pytestmark = pytest.mark.postgres

JOINED = ('"casework_claim"', '"casework_payment"', '"referrals_referral"')


def nodes(plan: dict) -> list[dict]:
    return [plan] + [node for child in plan.get("Plans", []) for node in nodes(child)]


def only_indexes(statement: str) -> list[dict]:
    """The plan's nodes with heap scans of every kind priced out (index-only scans allowed)."""
    with connection.cursor() as cursor:
        for method in ("seqscan", "bitmapscan", "indexscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}")
        plan = cursor.fetchone()[0]
        for method in ("seqscan", "bitmapscan", "indexscan"):
            cursor.execute(f"SET LOCAL enable_{method} = on")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return nodes(plan[0]["Plan"])


def reads(found: list[dict], table: str) -> list[tuple[str, str | None]]:
    return [(node["Node Type"], node.get("Index Name")) for node in found if node.get("Relation Name") == table]


def test_a_provinces_claims_payments_and_overdue_steps_never_read_the_cases(net):
    with_referral_and_provincial_statistics(net)
    statements = [
        sql
        for sql in selects_of(sign_in(net.social_supervisor), reverse("dashboards:dashboard"))
        if any(f'FROM {table} INNER JOIN "casework_case"' in sql for table in JOINED)
        and '"casework_case"."reception_province_id" =' in sql
    ]
    tables = {table for table in JOINED for sql in statements if f"FROM {table}" in sql}
    assert tables == set(JOINED), statements
    for sql in statements:
        found = only_indexes(sql)
        # Claims and payments are one UNION ALL (decision 324): one index-only read per branch.
        assert set(reads(found, "casework_case")) == {("Index Only Scan", "case_province_id")}, sql[:200]
        if 'FROM "referrals_referral"' in sql:
            assert reads(found, "referrals_referral") == [("Index Only Scan", "referral_overdue_open")], sql[:200]
