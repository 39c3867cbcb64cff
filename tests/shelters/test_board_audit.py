"""The occupancy board, its counts and the bed grid are audited when a user asks for them; the
30-second background refresh is not (decision 174)."""

import pytest
from django.urls import reverse

from casework.models import AuditEvent, SensitivityClass
from tests.fixtures.personas import sign_in

pytestmark = pytest.mark.django_db

POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_CAUNOI_BACKGROUND": "1"}


def rows(user):
    return list(AuditEvent.objects.filter(actor=user).order_by("id"))


def test_the_bed_grid_is_audited_and_its_poll_is_not(shelter_world):
    w = shelter_world
    client = sign_in(w.shelter_worker)
    url = reverse("shelters:beds", args=[w.facility.code])
    assert client.get(url).status_code == 200
    [row] = rows(w.shelter_worker)
    assert row.action == AuditEvent.Action.LIST and row.classes == [SensitivityClass.SHELTER]
    assert (row.object_type, row.detail) == ("facility", {"page": "beds", "facility": w.facility.code})
    assert row.agency == w.facility.agency
    assert client.get(url, **POLL).status_code == 200
    assert len(rows(w.shelter_worker)) == 1


def test_another_facility_s_bed_grid_is_denied_and_audited(shelter_world):
    w = shelter_world
    client = sign_in(w.other_shelter_worker)
    assert client.get(reverse("shelters:beds", args=[w.facility.code])).status_code == 404
    assert [row.action for row in rows(w.other_shelter_worker)] == [AuditEvent.Action.DENIED]


def test_the_board_and_its_counts_are_audited(shelter_world):
    w = shelter_world
    client = sign_in(w.social_worker)
    assert client.get(reverse("shelters:board")).status_code == 200
    assert client.get(reverse("shelters:board-counts")).status_code == 200
    assert client.get(reverse("shelters:board-counts"), **POLL).status_code == 200
    assert [(row.action, row.detail) for row in rows(w.social_worker)] == [
        (AuditEvent.Action.LIST, {"page": "shelter-board"}),
        (AuditEvent.Action.LIST, {"page": "shelter-board-counts"}),
    ]
