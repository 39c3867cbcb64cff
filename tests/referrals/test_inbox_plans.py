"""The inbox and the archive read the referrals table through their partial indexes, with
sequential scans left on (issue 18, docs/decisions.md 221).

tests/referrals/test_query_plans.py prices sequential scans out, so it cannot see a query that
reads the whole table when the planner thinks that is cheapest. Here the table holds 3,000
referrals of other agencies and a few of ours, is ANALYZEd, and PostgreSQL chooses freely: each
list must be answered from its own index, never by a Seq Scan on the referrals table.
"""

import datetime
import itertools
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import Role
from referrals.models import Referral, ReferralPurpose, ReferralStatus
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in

pytestmark = pytest.mark.postgres

TABLE = "referrals_referral"
OPEN = [ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED]
DONE = [ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.CANCELLED]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def plans_of(client, url, **params) -> list[tuple[str, list[dict]]]:
    """Each statement of the page that reads the referrals table, with its plan's nodes."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    statements = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT") and f'"{TABLE}"' in query["sql"]
    ]
    found = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            found.append((sql, list(nodes(plan[0]["Plan"]))))
    return found


def seq_scans(found) -> list[str]:
    return [
        sql[:300]
        for sql, plan in found
        for node in plan
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == TABLE
    ]


def indexes(found) -> set[str]:
    return {node["Index Name"] for _sql, plan in found for node in plan if "Index Name" in node}


@pytest.fixture
def national(net):
    """3,000 referrals between 20 other agencies (1,000 open, 2,000 finished); a few open ones of
    ours and 1,200 finished at each of our ends."""
    others = [make_agency(f"t-other-{index}", "police", "HN") for index in range(20)]
    cases = [make_case(net.police, acting(net.owner), name=f"Người Khác {index}") for index in range(10)]
    purposes = list(ReferralPurpose.objects.all())
    now = timezone.now()
    # The first 1,000 (the open ones) are unique per case, purpose and receiver, as the constraint wants.
    combos = itertools.cycle(itertools.product(range(len(others)), cases, purposes))
    rows = []
    for index in range(3000):
        receiver, case, purpose = next(combos)
        rows.append(
            Referral(
                reference=f"T-NAT-{index}",
                case=case,
                case_province_id=case.reception_province_id,  # bulk_create: no save() to copy it
                purpose=purpose,
                from_agency=others[(receiver + 1) % len(others)],
                to_agency=others[receiver],
                status=OPEN[index % 3] if index < 1000 else DONE[index % 3],
                status_changed_at=now - datetime.timedelta(days=index % 90),
                due_at=now + datetime.timedelta(hours=index % 50) if index < 1000 else None,
                sent_by=net.owner,
            )
        )

    def own(status, purpose, to_agency, from_agency) -> Referral:
        return Referral(
            reference=f"T-OWN-{len(rows)}",
            case=net.case,
            case_province_id=net.case.reception_province_id,
            purpose=purpose,
            from_agency=from_agency,
            to_agency=to_agency,
            status=status,
            status_changed_at=now - datetime.timedelta(days=30),
            due_at=now + datetime.timedelta(hours=1) if status in OPEN else None,
            sent_by=net.owner,
        )

    own_purposes = purposes[:3]
    for index, purpose in enumerate(own_purposes):
        # Received by the social agency: open, and finished; sent by it likewise.
        for status, to_agency, from_agency in [
            (OPEN[index], net.social, net.police),
            (DONE[index], net.social, net.police),
            (OPEN[index], net.peace_house, net.social),
            (DONE[index], net.peace_house, net.social),
        ]:
            rows.append(own(status, purpose, to_agency, from_agency))
    # A handover of a month ago: in the archive, no longer in the inbox.
    rows.append(own(ReferralStatus.HANDED_OVER, purposes[3], net.social, net.police))
    # Years of finished work at both ends, as the shelter of issue 18 had (1,194 rows): the
    # inbox must not read them to find its few open rows.
    for index in range(1200):
        status = DONE[index % 3]
        rows.append(own(status, purposes[index % len(purposes)], net.social, net.police))
        rows.append(own(status, purposes[index % len(purposes)], net.peace_house, net.social))
    Referral.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    net.social_lead = make_user("social.lead", net.social, Role.SUPERVISOR)
    return net


def test_the_inbox_reads_its_partial_indexes_not_the_table(national):
    found = plans_of(sign_in(national.social_lead), "/referrals/")
    assert found, "the inbox read no referral"
    assert seq_scans(found) == []
    used = indexes(found)
    # The received list and the header badge; the sent list; each with its recent handovers.
    assert {"referral_received_work", "referral_received_handover", "referral_sent_work"} <= used
    assert "referral_sent_handover" in used


@pytest.mark.parametrize(("side", "index"), [("received", "referral_received_done"), ("sent", "referral_sent_done")])
def test_the_archive_reads_its_partial_index_not_the_table(national, side, index):
    found = plans_of(sign_in(national.social_lead), "/referrals/archive/", side=side)
    assert seq_scans(found) == []
    assert index in indexes(found)
