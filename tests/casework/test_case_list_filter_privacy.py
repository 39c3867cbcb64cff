"""The case-list filters learn nothing about a class of data the user does not hold: filtering
by incident or by an identity field never tells a holder without that class more than the
list shows (QUALITY S3; review probes of issue 6)."""

from django.urls import reverse

from casework import actions
from casework.models import (
    Case,
    CaseGrant,
    Incident,
    Role,
    SensitivityClass,
)
from tests.fixtures.personas import sign_in

CASE_LIST = reverse("casework:case-list")


def listed(client, **params) -> set[str]:
    response = client.get(CASE_LIST, params)
    assert response.status_code == 200
    return {case.reference for case in response.context["cases"]}


def test_incident_filter_matches_only_where_investigation_is_held(world):
    """Whether a case is linked to a criminal incident is investigation data: the case page
    shows it only to holders of `investigation`, so the filter must not reveal it either."""
    incident = Incident.objects.create(agency=world.police, criminal_case_number="VA-77/2026")
    Case.objects.filter(pk=world.case.pk).update(incident=incident)
    shelter = sign_in(world.shelter)  # core, identity, health, shelter — never investigation
    assert world.case.reference in listed(shelter)
    assert world.case.reference not in listed(shelter, incident="1")
    assert world.case.reference not in listed(shelter, incident="0")
    assert world.case.reference in listed(sign_in(world.owner), incident="1")


def test_identity_filters_reveal_nothing_to_a_core_only_holder(world):
    actions.grant_case(
        world.case,
        group=world.union.role_groups.get(role=Role.SHELTER_STAFF).group,
        classes=[SensitivityClass.CORE],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-REVIEW-CORE",
        actor=world.owner,
    )
    client = sign_in(world.outsider)
    assert world.case.reference in listed(client)
    for params in ({"sex": "female"}, {"sex": "male"}, {"age_band": "adult"}, {"minority": "0"}, {"q": "nguyen"}):
        assert world.case.reference not in listed(client, **params), params


def test_a_page_past_the_end_shows_nothing_and_no_next_page(world):
    response = sign_in(world.shelter).get(CASE_LIST, {"page": "99999"})
    assert response.status_code == 200
    assert response.context["cases"] == [] and not response.context["page"].has_next
