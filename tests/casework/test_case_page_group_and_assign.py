"""Leftovers of issue 16: the assignment picker offers no deactivated account, and a case page
says which reception group its case came in (decision 265) without naming cases the reader
may not open. Every person here is fictional."""

import pytest
from django.urls import reverse

from casework import actions
from casework.actions import CaseworkError
from casework.models import AuditEvent, CaseGrant, ReceptionGroup, Role, SensitivityClass
from tests.casework.test_group_reception import START, facts, group_of, people
from tests.fixtures.personas import make_user, sign_in
from tests.fixtures.queries import page_queries


def _page(client, case) -> str:
    response = client.get(reverse("casework:case-detail", args=[case.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def _picker(client, case) -> str:
    """The assignment form, fetched when opened from the case page (decision 275)."""
    assert f"/cases/{case.public_id}/assign/form/" in _page(client, case)
    response = client.get(f"/cases/{case.public_id}/assign/form/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_a_deactivated_caseworker_is_neither_offered_nor_assigned(world):
    leaver = make_user("leaver", world.police, Role.CASEWORKER)
    supervisor = sign_in(world.supervisor)
    assert f'value="{leaver.pk}"' in _picker(supervisor, world.case)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    picker = _picker(supervisor, world.case)
    assert f'value="{world.colleague.pk}"' in picker
    assert f'value="{leaver.pk}"' not in picker

    response = supervisor.post(reverse("casework:case-assign", args=[world.case.public_id]), {"user": leaver.pk})
    assert response.status_code == 400
    world.case.refresh_from_db()
    assert world.case.assigned_to == world.owner
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, case=world.case).exists()
    with pytest.raises(CaseworkError):
        actions.do_assign_case(world.case, leaver, actor=world.supervisor)
    # An active colleague is still assigned from the page.
    supervisor.post(reverse("casework:case-assign", args=[world.case.public_id]), {"user": world.colleague.pk})
    world.case.refresh_from_db()
    assert world.case.assigned_to == world.colleague


def _register_group(client, size: int, prefix: str = "Người thử") -> ReceptionGroup:
    assert client.post(START + "facts/", facts()).status_code == 302
    assert client.post(START + "people/", people(group_of(size, prefix=prefix))).status_code == 302
    assert client.get(START + "review/").status_code == 200
    response = client.post(START + "review/", {"create": "1"})
    assert response.status_code == 302
    return ReceptionGroup.objects.get(public_id=response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_the_case_page_names_the_group_and_links_the_members_the_reader_may_open(world):
    owner = sign_in(world.owner)
    group = _register_group(owner, 4)
    cases = [member.case for member in group.members.select_related("case").order_by("position")]
    page = _page(owner, cases[0])
    assert 'data-testid="reception-group"' in page
    assert "Tiếp nhận theo nhóm" in page and "cùng 3 người khác" in page
    assert f'href="/cases/groups/{group.public_id}/" data-testid="reception-group-link">{group.name}<' in page
    assert page.count('data-testid="reception-group-member"') == 3
    assert all(f'href="/cases/{case.public_id}/" data-testid="reception-group-member"' in page for case in cases[1:])

    # The shelter received a referral for one person of the group only: it reads that she came
    # with three others, but is given no link to their cases, nor to the group page.
    actions.grant_case(
        cases[1],
        group=world.shelter_agency.role_groups.get(role=Role.SHELTER_STAFF).group,
        classes=[SensitivityClass.CORE, SensitivityClass.IDENTITY],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-TEST-GROUP",
        actor=world.owner,
    )
    page = _page(sign_in(world.shelter), cases[1])
    assert "cùng 3 người khác" in page
    # The group's name is free text of the registering agency (it may name a person): the
    # shelter reads the short code instead.
    assert group.name and group.name not in page and str(group.public_id)[:8] in page
    assert 'data-testid="reception-group-member"' not in page and 'data-testid="reception-group-link"' not in page
    assert all(case.reference not in page for case in cases if case != cases[1])
    assert sign_in(world.shelter).get(f"/cases/groups/{group.public_id}/").status_code == 404


def test_a_case_registered_alone_says_nothing_of_a_group(world):
    page = _page(sign_in(world.owner), world.case)
    assert 'data-testid="reception-group"' not in page


def test_the_group_costs_the_same_queries_whatever_its_size(world, settings):
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 300  # select options from the cache, as in production
    owner = sign_in(world.owner)
    counts = []
    for size in (2, 6):
        group = _register_group(owner, size, prefix=f"Nhóm {size} người")
        url = reverse("casework:case-detail", args=[group.members.order_by("position").first().case.public_id])
        owner.get(url)
        count, response = page_queries(owner, url)
        assert response.content.decode().count('data-testid="reception-group-member"') == size - 1
        counts.append(count)
    # The same statements for a group of 2 and of 6 (the members are one query); a case outside
    # a group stays within the page's budget (tests/casework/test_query_counts.py).
    assert counts[0] == counts[1]


def test_the_case_page_is_in_english_too(world):
    owner = sign_in(world.owner)
    group = _register_group(owner, 2)
    case = group.members.order_by("position").first().case
    owner.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = _page(owner, case)
    assert "Received in a group" in page and "with 1 other person" in page
