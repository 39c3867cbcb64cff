"""Issue 16: grants and revokes are kept (CaseEvent and AuditEvent rows) but the case page
folds the access changes of one action into one line that links to the access page, which
lists who holds what, since when, granted by whom and for which purpose (decision 204)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import actions
from casework.models import AuditEvent, CaseEvent, CaseGrant
from casework.timeline import AccessChange, fold_access_events
from tests.fixtures.personas import acting, sign_in

pytestmark = pytest.mark.django_db


def timeline_lines(body: str) -> list[str]:
    start = body.index('data-testid="timeline"')
    return body[start : body.index("</ol>", start)].split("<li")[1:]


def test_registration_writes_grant_events_and_audit_rows_but_one_timeline_line(world):
    grants = CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.GRANT).count()
    # The roles of the owning agency, the registering caseworker's assignment and the
    # fixture's shelter grant: every one kept as a line of history and an audit row.
    assert grants == CaseGrant.objects.filter(case=world.case).count() >= 5
    assert AuditEvent.objects.filter(case=world.case, action=AuditEvent.Action.GRANT).count() == grants

    client = sign_in(world.owner)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("casework:case-detail", args=[world.case.public_id])).content.decode()
    lines = timeline_lines(body)
    folded = [line for line in lines if 'data-testid="access-change"' in line]
    # Registration (owner, 4 grants) and the shelter grant (owner again, same moment): one action.
    assert len(folded) == 1
    assert f"{grants} changes" in folded[0]
    assert "access granted" not in body
    # The caseworker may not open the access page: the line is not a link for her.
    assert reverse("casework:case-access", args=[world.case.public_id]) not in folded[0]


def test_supervisor_follows_the_folded_line_to_the_access_page(world):
    client = sign_in(world.supervisor)
    client.cookies["django_language"] = "en"
    access_url = reverse("casework:case-access", args=[world.case.public_id])
    body = client.get(reverse("casework:case-detail", args=[world.case.public_id])).content.decode()
    folded = [line for line in timeline_lines(body) if 'data-testid="access-change"' in line]
    assert len(folded) == 1 and access_url in folded[0]

    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    page = client.get(access_url)
    assert page.status_code == 200
    text = page.content.decode()
    grants_table = text[text.index('data-testid="grants"') :]
    assert "R-TEST-1" in grants_table and str(world.owner) in grants_table
    assert "Agency t-shelter" in grants_table
    viewed = AuditEvent.objects.filter(id__gt=mark, action=AuditEvent.Action.VIEW, case=world.case)
    assert viewed.filter(detail__page="access-list").count() == 1


def test_a_withdrawn_grant_stays_audited_and_listed_as_withdrawn(world):
    grant = CaseGrant.objects.get(case=world.case, source_ref="R-TEST-1")
    actions.revoke_case(grant, actor=acting(world.supervisor))
    assert CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.REVOKE).count() == 1
    assert AuditEvent.objects.filter(case=world.case, action=AuditEvent.Action.REVOKE).count() == 1

    client = sign_in(world.supervisor)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("casework:case-detail", args=[world.case.public_id])).content.decode()
    folded = [line for line in timeline_lines(body) if 'data-testid="access-change"' in line]
    # The supervisor's revoke is its own action: a second folded line, newest first.
    assert len(folded) == 2
    assert "0 given, 1 withdrawn" in folded[0]
    page = client.get(reverse("casework:case-access", args=[world.case.public_id])).content.decode()
    withdrawn = page[page.index('data-testid="withdrawn-grants"') :]
    assert "R-TEST-1" in withdrawn and str(world.supervisor) in withdrawn
    assert "R-TEST-1" not in page[page.index('data-testid="grants"') : page.index('data-testid="withdrawn-grants"')]


def test_other_agencies_never_see_access_lines(world):
    body = sign_in(world.shelter).get(reverse("casework:case-detail", args=[world.case.public_id])).content.decode()
    assert 'data-testid="access-change"' not in body


def test_fold_keeps_other_lines_and_splits_actions_by_actor_and_time(world):
    now = timezone.now()

    def event(kind, actor, seconds):
        at = now - datetime.timedelta(seconds=seconds)
        return CaseEvent(case=world.case, kind=kind, actor=actor, agency=world.police, at=at, recorded_at=at)

    events = [
        event(CaseEvent.Kind.GRANT, world.owner, 0),
        event(CaseEvent.Kind.NOTE, world.owner, 1),
        event(CaseEvent.Kind.GRANT, world.owner, 2),
        event(CaseEvent.Kind.REVOKE, world.supervisor, 3),
        event(CaseEvent.Kind.GRANT, world.owner, 600),
    ]
    shown = fold_access_events(events)
    kinds = [item.count if isinstance(item, AccessChange) else item.kind for item in shown]
    assert kinds == [2, CaseEvent.Kind.NOTE, 1, 1]
    assert shown[2].revoked == 1 and shown[2].actor == world.supervisor
