"""Paging through the case list with cursors (QUALITY P2): every visible case once, in order,
the same queries on every page, and a cursor that reveals nothing about other cases."""

from django.urls import reverse

from casework.access import visible_cases
from casework.models import AuditEvent, Case
from tests.fixtures.case_list import link, references
from tests.fixtures.personas import acting, make_case, sign_in
from tests.fixtures.queries import page_queries

LIST = reverse("casework:case-list")


def test_following_next_shows_every_visible_case_once_newest_first(world):
    owner = acting(world.owner)
    for index in range(59):
        make_case(world.police, owner, name=f"Người Thử {index}")
    make_case(world.other_police, acting(world.other_supervisor), name="Ở Nơi Khác")  # not visible
    client = sign_in(world.owner)
    expected = list(visible_cases(world.owner).order_by("-created_at", "-id").values_list("reference", flat=True))
    assert len(expected) == 60

    seen, pages, response = [], [], client.get(LIST)
    while True:
        seen += references(response)
        pages.append(response.context["page"].number)
        following = link(response, "next")
        if following is None:
            break
        assert "after=" in following
        response = client.get(LIST + following)
    assert seen == expected
    assert pages == [1, 2, 3]
    assert len(references(response)) == 10

    # Back from the last page: exactly the second page again, which links to the first.
    back = client.get(LIST + link(response, "prev"))
    assert references(back) == expected[25:50]
    assert back.context["page"].number == 2
    assert link(back, "prev") == "?"


def test_the_cursor_keeps_the_filters_and_the_audit_row_names_the_page(world):
    owner = acting(world.owner)
    for index in range(30):
        make_case(world.police, owner, name=f"Nguyễn Thị {index}")
    client = sign_in(world.owner)
    first = client.get(LIST, {"q": "nguyen thi"})
    following = link(first, "next")
    assert "q=nguyen+thi" in following and "page=2" in following
    second = client.get(LIST + following)
    assert len(references(second)) == 31 - 25  # the world's own Nguyễn Thị Lan too
    assert not set(references(first)) & set(references(second))
    row = AuditEvent.objects.filter(actor=world.owner, action=AuditEvent.Action.SEARCH).latest("pk")
    assert row.detail["page"] == 2 and row.detail["shown"] == 6


def test_a_cursor_on_someone_elses_case_shows_nothing(world):
    foreign = make_case(world.other_police, acting(world.other_supervisor), name="Ở Nơi Khác")
    response = sign_in(world.owner).get(LIST, {"after": str(foreign.public_id), "page": "2"})
    assert response.status_code == 200
    assert references(response) == []
    # A malformed cursor is left out like any bad filter: the first page, with a 400 that says so.
    response = sign_in(world.owner).get(LIST, {"after": "not-a-uuid"})
    assert response.status_code == 400
    assert references(response) == [world.case.reference]
    assert response.context["ignored_filters"] == ["Vị trí trong danh sách: Mã không hợp lệ."]


def test_a_deep_page_costs_the_same_queries_as_the_first(world):
    owner = acting(world.owner)
    for index in range(60):
        make_case(world.police, owner, name=f"Người Thử {index}")
    client = sign_in(world.owner)
    first, response = page_queries(client, LIST)
    anchor = Case.objects.order_by("-created_at", "-id")[49]
    deep, response = page_queries(client, LIST, page=3, after=str(anchor.public_id))
    assert len(response.context["cases"]) == 11
    assert deep == first <= 12
