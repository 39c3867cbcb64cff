"""Small-cell suppression (QUALITY S6): no cell of 1-10 shown, none that can be worked out."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import ReturnMode, StatisticsScope
from dashboards import suppression
from dashboards.scope import Filters, Scope
from dashboards.stats import statistics_for
from tests.fixtures.statistics import build_statistics_world, victim


def test_a_small_cell_and_its_complement_are_hidden():
    cells = {"total": 150, "female": 140, "male": 10, "other": 0}
    hidden = suppression.suppress(cells, [("total", ["female", "male", "other"])])
    # Hiding "male" alone would give it back as 150 - 140 - 0.
    assert hidden == {"male", "female"}
    assert not suppression.derivable(cells, [("total", ["female", "male", "other"])], hidden)


def test_zero_is_shown_and_large_cells_stay():
    cells = {"total": 300, "a": 150, "b": 150, "c": 0}
    assert suppression.suppress(cells, [("total", ["a", "b", "c"])]) == set()


def test_a_small_total_hides_its_parts():
    cells = {"total": 7, "a": 7, "b": 0}
    hidden = suppression.suppress(cells, [("total", ["a", "b"])])
    assert {"total", "a"} <= hidden
    assert not suppression.derivable(cells, [("total", ["a", "b"])], hidden) & {"total", "a"}


def test_the_attacker_finds_what_naive_suppression_leaves():
    """The checker used below is not toothless: primary suppression alone is caught."""
    cells = {"total": 150, "female": 140, "male": 10}
    relations = [("total", ["female", "male"])]
    assert suppression.derivable(cells, relations, {"male"}) == {"male"}


def _tables(draw_values):
    """Three tables sharing one total, one of them nested (like sex, age and ethnicity)."""
    sex, age, groups = draw_values
    cells = {"total": sum(sex)}
    relations = []
    sex_keys = [f"sex.{index}" for index in range(len(sex))]
    cells |= dict(zip(sex_keys, sex, strict=True))
    relations.append(("total", sex_keys))
    # Age bands partition the same total differently.
    remaining, age_keys = cells["total"], []
    for index, share in enumerate(age):
        value = min(share, remaining) if index < len(age) - 1 else remaining
        remaining -= value
        age_keys.append(f"age.{index}")
        cells[f"age.{index}"] = value
    relations.append(("total", age_keys))
    # Ethnicity: majority + minorities, minorities split in groups.
    minorities = sum(groups)
    cells |= {"kinh": cells["total"] - minorities if cells["total"] >= minorities else 0}
    if cells["kinh"] == 0:
        groups = [0] * len(groups)
        minorities = 0
        cells["kinh"] = cells["total"]
    cells["minorities"] = minorities
    group_keys = [f"group.{index}" for index in range(len(groups))]
    cells |= dict(zip(group_keys, groups, strict=True))
    relations.append(("total", ["kinh", "minorities"]))
    relations.append(("minorities", group_keys))
    return cells, relations


counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=300)
@given(
    st.tuples(
        st.lists(counts, min_size=2, max_size=4),
        st.lists(counts, min_size=2, max_size=5),
        st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=6),
    )
)
def test_no_small_cell_is_visible_or_derivable(values):
    cells, relations = _tables(values)
    hidden = suppression.suppress(cells, relations)
    for key, value in cells.items():
        if suppression.is_small(value):
            assert key in hidden, key
    for total, parts in relations:
        members = [total, *parts]
        assert sum(member in hidden for member in members) != 1
    revealed = suppression.derivable(cells, relations, hidden)
    assert not {key for key in revealed if suppression.is_small(cells[key])}


@pytest.mark.django_db(transaction=False)
def test_random_filters_never_reveal_a_small_cell_to_an_outsider(reference_data):
    world = build_statistics_world()
    # Enough women to China in March that some cells pass 10 and complements matter.
    for number in range(12):
        victim(
            world.police,
            world.worker,
            name=f"Người thử nghiệm {number}",
            birth_year=1990 + number % 3,
            ethnicity="01" if number % 4 else "08",
            destination="CN",
            forms=["ForcedMarriage"],
            returned=ReturnMode.HANDED_OVER if number % 2 else ReturnMode.SELF_RETURNED,
        )
    world.police.statistics_scope = StatisticsScope.PROVINCE
    world.police.save()
    outsiders = [Scope.of(world.police), Scope(level=StatisticsScope.NATIONAL, agency=world.social)]
    days = st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2026, 12, 31))

    @settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.sampled_from(outsiders), st.one_of(st.none(), days), st.one_of(st.none(), days), st.booleans())
    def check(scope, start, end, by_agency):
        filters = Filters(date_from=start, date_to=end, agency_id=world.police.pk if by_agency else None)
        statistics = statistics_for(scope, filters, suppress=True)
        raw = statistics._values
        shown = {key: value for key, value in statistics.figures().items() if key in raw}  # no shares
        for key, value in shown.items():
            assert value is None or not suppression.is_small(value), key
        # Cells never shown (remainders) are unknown to the outsider, like the hidden ones.
        hidden = {key for key in raw if shown.get(key) is None}
        relations = [(total, parts) for total, parts in _relations_of(statistics)]
        revealed = suppression.derivable(raw, relations, hidden)
        assert not {key for key in revealed if suppression.is_small(raw[key])}

    check()


def _relations_of(statistics):
    """The additive relations the figures obey, rebuilt independently of the code under test:
    each partition table adds up to the victims, the received to the person statuses."""
    figures = statistics._values
    relations = [("received", ["victims", "in_identification", "not_victims", "accompanying"])]
    relations.append(("victims", ["child_victims", "adult_victims"]))
    for table in statistics.tables:
        keys = [figure.key for figure in table.figures]
        if table.key in {"sex", "age", "destination", "return", "province", "agency"}:
            relations.append(("victims", keys))
        if table.key == "ethnicity":
            relations.append(("victims", ["ethnicity.kinh", "ethnicity.minorities", "ethnicity.none"]))
            groups = [key for key in keys if key not in {"ethnicity.kinh", "ethnicity.minorities", "ethnicity.none"}]
            relations.append(("ethnicity.minorities", groups))
        if table.key == "age":
            children = ["age.under_11", "age.11_14", "age.15_17"]
            if sum(figures[key] for key in children) == figures["child_victims"]:
                relations.append(("child_victims", children))
    sexes = ["female", "male", "other", "unknown"]
    for sex in sexes:
        relations.append((f"sex.{sex}", [f"sex_child.{sex}.child", f"sex_child.{sex}.adult"]))
    relations.append(("child_victims", [f"sex_child.{sex}.child" for sex in sexes]))
    relations.append(("adult_victims", [f"sex_child.{sex}.adult" for sex in sexes]))
    women_and_children = ["sex_child.female.adult", *[f"sex_child.{sex}.child" for sex in sexes]]
    relations.append(("women_and_children", women_and_children))
    relations.append(("victims", ["women_and_children", *[f"sex_child.{sex}.adult" for sex in sexes[1:]]]))
    relations.append(("incidents", ["incidents.cross_border", "incidents.domestic", "incidents.destination_none"]))
    countries = [key for key in figures if key.startswith("incidents.destination.")]
    if sum(figures[key] for key in countries) == figures["incidents.cross_border"]:
        relations.append(("incidents.cross_border", countries))
    relations.append(("offenders", ["offenders.arrested", "offenders.at_large", "offenders.stage_none"]))
    relations.append(("offenders.arrested", ["offenders.prosecuted", "offenders.arrested_only"]))
    relations.append(("offenders.prosecuted", ["offenders.convicted", "offenders.prosecuted_only"]))
    returned = ["return_all.self_returned", "return_all.rescued", "return_all.handed_over"]
    relations.append(("return_all.returned", returned))
    relations.append(("received", ["return_all.returned", "return_all.not_applicable", "return_all.none"]))
    relations.append(("victims", ["victims_without_incident", "victims_with_incident"]))
    relations.append(("incidents", ["incidents_with_child_victims", "incidents_without_child_victims"]))
    return relations
