"""A user who holds few cases gets a page of the case list from the holdings (decision 315).

The probed filter walks the newest cases of the country until a page is full. For a user who
holds a handful of cases among a million, no page is ever full: the walk passed every case
(1.5 s at 1 M for a caseworker of an agency without cases, 0.27 s for one with 29). Below
FEW_HOLDINGS cases held, the page starts from the permission rows instead. Both forms must show
exactly the same pages, in every direction.
"""

import pytest
from django.urls import reverse

from casework import access
from casework.access import page_form, visible_cases
from tests.fixtures.case_list import link, references
from tests.fixtures.personas import acting, make_case, sign_in
from tests.fixtures.queries import page_queries

pytestmark = pytest.mark.django_db
LIST = reverse("casework:case-list")


@pytest.fixture
def far_apart(world):
    """The owner's agency has 55 cases; another agency then registered 30 newer ones."""
    owner = acting(world.owner)
    for index in range(55):
        make_case(world.police, owner, name=f"Người Của Mình {index}")
    other = acting(world.other_supervisor)
    for index in range(30):
        make_case(world.other_police, other, name=f"Người Nơi Khác {index}")
    return world


def walk(client) -> tuple[list[list[str]], list[list[str]]]:
    """Every page by "next", then back by "prev" to the first: the references of each page."""
    forward, back, response = [], [], client.get(LIST)
    while True:
        forward.append(references(response))
        following = link(response, "next")
        if following is None:
            break
        response = client.get(LIST + following)
    while (previous := link(response, "prev")) is not None:
        response = client.get(LIST + previous)
        back.append(references(response))
    return forward, back


@pytest.mark.parametrize("few", [1, 5000], ids=["probed walk", "from the holdings"])
def test_both_forms_show_the_same_pages(far_apart, monkeypatch, few):
    monkeypatch.setattr(access, "FEW_HOLDINGS", few)
    owner = acting(far_apart.owner)
    assert page_form(owner) == ({"probe": True} if few == 1 else {"from_holdings": True})
    expected = list(visible_cases(owner).order_by("-created_at", "-id").values_list("reference", flat=True))
    assert len(expected) == 56  # the world's own case and the 55
    client = sign_in(far_apart.owner)
    forward, back = walk(client)
    assert forward == [expected[:25], expected[25:50], expected[50:]]
    assert back == [expected[25:50], expected[:25]]
    # A search, a filter and a page number the same way.
    searched = references(client.get(LIST, {"q": "nguoi cua minh"}))
    assert searched == [ref for ref in expected if ref != far_apart.case.reference][:25]
    assert references(client.get(LIST, {"page": "2"})) == expected[25:50]


def test_the_form_follows_how_many_cases_are_held(far_apart, monkeypatch):
    """Counted up to FEW_HOLDINGS only; a case held through the group and as the caseworker's
    own (the world's case and the 55 the owner registered) counts twice, which only errs
    towards the walk."""
    owner = acting(far_apart.owner)
    rows = access._holdings(owner.active_membership, access.permission_id("view_case"))
    assert rows.count() == 56 * 2
    monkeypatch.setattr(access, "FEW_HOLDINGS", 112)
    assert page_form(owner) == {"probe": True}
    monkeypatch.setattr(access, "FEW_HOLDINGS", 113)
    assert page_form(owner) == {"from_holdings": True}
    assert page_form(acting(far_apart.outsider)) == {"from_holdings": True}


@pytest.mark.parametrize("few", [1, 5000], ids=["probed walk", "from the holdings"])
def test_a_page_costs_the_same_statements_in_both_forms(far_apart, monkeypatch, few):
    monkeypatch.setattr(access, "FEW_HOLDINGS", few)
    count, response = page_queries(sign_in(far_apart.owner), LIST)
    assert len(references(response)) == 25
    assert count <= 12


def test_the_process_keeps_its_answer_for_a_while(far_apart, monkeypatch, settings, django_assert_num_queries):
    """Decision 336: the count is a query of its own on every list page, and it chooses a
    plan, never the rows; the process keeps the answer CAUNOI_PAGE_FORM_SECONDS."""
    settings.CAUNOI_PAGE_FORM_SECONDS = 60
    monkeypatch.setattr(access, "_page_forms", {})
    clock = [1000.0]
    monkeypatch.setattr(access.time, "monotonic", lambda: clock[0])
    owner = acting(far_apart.owner)
    monkeypatch.setattr(access, "FEW_HOLDINGS", 113)
    with django_assert_num_queries(1):
        assert page_form(owner) == {"from_holdings": True}
    monkeypatch.setattr(access, "FEW_HOLDINGS", 112)  # as if the agency now held more
    with django_assert_num_queries(0):
        assert page_form(owner) == {"from_holdings": True}
    clock[0] += 61
    with django_assert_num_queries(1):
        assert page_form(owner) == {"probe": True}
    # Another membership has its own answer.
    assert page_form(acting(far_apart.outsider)) == {"from_holdings": True}
    assert set(access._page_forms) == {owner.active_membership.pk, far_apart.outsider.memberships.get().pk}
