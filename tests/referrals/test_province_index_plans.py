"""A provincial dashboard's claims, payments and overdue steps are answered from their own
indexes alone, without the province's cases (issue 18, decisions 304 and 325).

They count rows of other tables whose case was received in the province. Joined to the cases,
a province's hundred thousand case ids were hashed or probed for each of the three (claims
90–99 ms, payments 33–52, overdue steps 27–42 of a 290 ms page at 1,000,000 victims). Each
row now carries its case's province of reception, and each table has an index that leads with
it and carries every column the dashboard counts. Here every other way to read those tables is
priced out: if an index lacked a column the statement needs, the planner would have to fall
back on one of them.
"""

import json

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tests.fixtures.personas import sign_in
from tests.referrals.plans import selects_of, with_referral_and_provincial_statistics

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JOINED = ('"casework_claim"', '"casework_payment"', '"referrals_referral"')


INDEXES = {
    "casework_claim": "claim_province_decided",
    "casework_payment": "payment_province_day",
    "referrals_referral": "referral_overdue_open",
}


def nodes(plan: dict) -> list[dict]:
    return [plan] + [node for child in plan.get("Plans", []) for node in nodes(child)]


def only_indexes(statement: str) -> list[dict]:
    """The plan's nodes with sequential and bitmap scans priced out, after a VACUUM has
    marked the tables' pages all-visible: then an index-only scan, possible only where the
    index carries every column the statement reads, costs less than an index scan through
    the heap. (`enable_indexscan = off` would price index-only scans out too.)"""
    with connection.cursor() as cursor:
        for table in INDEXES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    with transaction.atomic(), connection.cursor() as cursor:
        for method in ("seqscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return nodes(plan[0]["Plan"])


def reads(found: list[dict], table: str) -> list[tuple[str, str | None]]:
    return [(node["Node Type"], node.get("Index Name")) for node in found if node.get("Relation Name") == table]


def test_a_provinces_claims_payments_and_overdue_steps_never_read_the_cases(net):
    with_referral_and_provincial_statistics(net)
    statements = [
        sql
        for sql in selects_of(sign_in(net.social_supervisor), reverse("dashboards:dashboard"))
        if any(f"FROM {table}" in sql for table in JOINED) and '"case_province_id" =' in sql
    ]
    tables = {table for table in JOINED for sql in statements if f"FROM {table}" in sql}
    assert tables == set(JOINED), statements
    for sql in statements:
        assert '"casework_case"' not in sql, sql[:300]
        found = only_indexes(sql)
        for table, index in INDEXES.items():
            if f'FROM "{table}"' in sql:
                assert reads(found, table) == [("Index Only Scan", index)], (table, sql[:300])
