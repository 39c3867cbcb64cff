"""The permission filter is planned by the database (issue 18, "Inbox and list at 1 M"): every
list filter built on `visible_cases` is EXISTS over the permission tables, never a list of
visible case ids gathered first. The statement and its parameters are the same whether the
user sees one case or forty; what it selects is what `standing` allows case by case
(tests/casework/test_access_matrix.py holds the full matrix)."""

import re

import pytest

from casework import actions
from casework.access import changeable_cases, holds_class, incidents_known_to, standing, visible_cases
from casework.models import Case, CaseEvent, CaseGroupObjectPermission, CaseUserObjectPermission, Role, SensitivityClass
from shelters.access import _visible
from shelters.models import Stay
from tests.fixtures.personas import acting, make_case

pytestmark = pytest.mark.django_db

ID_LIST = re.compile(r"\bIN \(\s*%s\s*,")


def filters(user) -> dict[str, object]:
    return {
        "visible": visible_cases(user),
        "visible identity": visible_cases(user, SensitivityClass.IDENTITY),
        "changeable": changeable_cases(user),
        "listed with names": Case.objects.annotate(named=holds_class(user, SensitivityClass.IDENTITY)),
        "incidents": incidents_known_to(user),
        "stays": Stay.objects.filter(_visible(user)),
    }


def shapes(user) -> dict[str, tuple[str, int]]:
    shaped = {}
    for name, queryset in filters(user).items():
        sql, params = queryset.query.sql_with_params()
        shaped[name] = (sql, len(params))
    return shaped


@pytest.mark.parametrize("persona", ["owner", "supervisor", "outsider"])
def test_the_filters_do_not_grow_with_the_cases_seen(world, persona):
    user = acting(getattr(world, persona))
    before = shapes(user)
    for index in range(40):
        make_case(world.police, acting(world.owner), name=f"Người Thử {index}")
    after = shapes(user)
    assert after == before
    for name, (sql, params) in after.items():
        assert not ID_LIST.search(sql), name
        assert params < 20, name


@pytest.mark.parametrize("persona", ["owner", "supervisor", "other_supervisor", "outsider", "shelter"])
def test_the_filter_selects_exactly_the_cases_the_standing_shows(world, persona):
    for index in range(5):
        make_case(world.police, acting(world.owner), name=f"Người Thử {index}")
    user = acting(getattr(world, persona))
    for cls in (SensitivityClass.CORE, SensitivityClass.IDENTITY):
        listed = set(visible_cases(user, cls).values_list("pk", flat=True))
        one_by_one = {case.pk for case in Case.objects.all() if cls in standing(user, case)}
        assert listed == one_by_one
        # The form a page asks for (decision 309) and the list's annotation select the same.
        assert set(visible_cases(user, cls, probe=True).values_list("pk", flat=True)) == one_by_one
        # And the form a page far down the newest-first order asks for (decision 315).
        assert set(visible_cases(user, cls, from_holdings=True).values_list("pk", flat=True)) == one_by_one
        held = Case.objects.annotate(held=holds_class(user, cls)).filter(held=True)
        assert set(held.values_list("pk", flat=True)) == one_by_one
        # Rows of another table about cases (the timeline's here): the owner is joined.
        assert held_through_events(user, cls) == one_by_one


def test_an_assignment_counts_only_while_acting_for_the_owning_agency(world):
    """The user's own permission rows (an assignment) hold only while the user is a caseworker
    of the case's owning agency: in both forms of the filter and in the list's annotation."""
    colleague = world.colleague
    actions.do_assign_case(world.case, colleague, actor=acting(world.supervisor))
    assert CaseUserObjectPermission.objects.filter(user=colleague, content_object=world.case).exists()
    actions.do_add_membership(colleague, world.other_police, Role.CASEWORKER, actor=None)
    # Only the assignment's own rows: the agency's caseworker group no longer holds the case.
    home_group = acting(colleague, world.police).active_membership.group_id
    CaseGroupObjectPermission.objects.filter(content_object=world.case, group_id=home_group).delete()

    def seen(user) -> list[set[int]]:
        return [
            set(visible_cases(user).values_list("pk", flat=True)),
            set(visible_cases(user, probe=True).values_list("pk", flat=True)),
            set(visible_cases(user, from_holdings=True).values_list("pk", flat=True)),
            set(
                Case.objects.annotate(held=holds_class(user, SensitivityClass.CORE))
                .filter(held=True)
                .values_list("pk", flat=True)
            ),
            held_through_events(user, SensitivityClass.CORE),
        ]

    assert seen(acting(colleague, world.other_police)) == [set(), set(), set(), set(), set()]
    assert [world.case.pk in found for found in seen(acting(colleague, world.police))] == [True] * 5


def held_through_events(user, cls: SensitivityClass) -> set[int]:
    """The cases of the timeline lines on whose case the user holds `cls`, by the annotation."""
    events = CaseEvent.objects.annotate(held=holds_class(user, cls, "case_id")).filter(held=True)
    return set(events.values_list("case_id", flat=True))
