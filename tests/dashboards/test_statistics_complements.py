"""The official statistics declare every figure that is the sum of others, so suppression
hides the complement of a hidden cell too: victims with and without an incident, forms of
exploitation, incidents with child victims (QUALITY S6; review probes of issue 6)."""

import pytest

from casework.models import (
    Incident,
    PicklistValue,
    StatisticsScope,
)
from dashboards import stats
from dashboards.scope import Filters, Scope
from tests.fixtures.probes import (
    MARCH_DAY,
    MARCH_PERIOD,
    province_scope,
    revealed,
    small,
)
from tests.fixtures.statistics import build_statistics_world, victim


def _victims(world, count: int, **kwargs) -> None:
    defaults = {"birth_year": 1995, "ethnicity": "01", "destination": "CN", "forms": ["ForcedMarriage"]}
    for number in range(count):
        victim(
            world.police,
            world.worker,
            received_at=MARCH_DAY,
            name=f"Người thử {number}",
            returned="",
            **(defaults | kwargs),
        )


@pytest.fixture
def stats_world(reference_data):
    world = build_statistics_world()
    world.police.statistics_scope = StatisticsScope.PROVINCE
    world.police.save()
    return world


def test_statistics_victims_linked_to_an_incident_are_not_given_away(stats_world):
    # March in Lào Cai: 5 victims, 4 with an incident. Add 12 without one: 17 victims, 13 without.
    _victims(stats_world, 12)
    figures = stats.statistics_for(Scope.of(stats_world.police), Filters(*MARCH_PERIOD), suppress=True).figures()
    assert not small(figures["victims"]) and not small(figures["victims_without_incident"])
    assert not revealed(figures["victims"], figures["victims_without_incident"])


def test_statistics_single_form_of_exploitation_does_not_give_away_the_unrecorded(province_world):
    """With one form of exploitation in the table, every victim has it or none: the rows add up."""
    w = province_world
    _victims(w, 14)
    _victims(w, 3, forms=[])
    figures = stats.statistics_for(province_scope(w), Filters(*MARCH_PERIOD), suppress=True).figures()
    forms = [key for key in figures if key.startswith("exploitation.") and key != "exploitation.none"]
    assert forms == ["exploitation.ForcedMarriage"]
    assert figures["victims"] == 17
    assert not revealed(figures["victims"], figures["exploitation.ForcedMarriage"])


def test_statistics_incidents_without_child_victims_are_not_given_away(stats_world):
    """Incidents are counted and suppressed like people: their complement too."""
    w = stats_world
    for number in range(12):
        incident = Incident.objects.create(agency=w.police, criminal_case_number=f"VA-C{number}")
        _victims(w, 1, birth_year=2014, incident=incident)
    figures = stats.statistics_for(Scope.of(w.police), Filters(*MARCH_PERIOD), suppress=True).figures()
    assert not revealed(figures["incidents"], figures["incidents_with_child_victims"])


def test_picklist_codes_exist_for_the_probes(reference_data):
    assert PicklistValue.objects.filter(list_name=PicklistValue.List.EXPLOITATION_TYPE, code="ForcedMarriage").exists()
