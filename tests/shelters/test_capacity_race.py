"""Races for the last bed, which only a real database with concurrent connections can show:
the conditional UPDATE on the bed lets exactly one of two simultaneous moves through."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from casework.models import AuditEvent, Consent
from referrals.actions import ReferralError, do_accept_referral, do_acknowledge_referral, do_send_referral
from referrals.models import ReferralPurpose, ReferralStatus
from shelters.actions import ShelterError, do_admit_from_placement, do_admit_walk_in, do_release_expired_holds
from shelters.models import Bed, Placement, Stay
from tests.fixtures.personas import acting
from tests.fixtures.shelters import new_case, place, registered_by

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls) -> list:
    """Start the calls at the same moment, each on its own connection; their results or errors."""
    start = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            outcomes[index] = call()
        except BaseException as error:  # noqa: BLE001 - returned to the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def winner_and_loser(outcomes: list, error: type[Exception]) -> tuple[int, int]:
    failed = [index for index, outcome in enumerate(outcomes) if isinstance(outcome, BaseException)]
    assert len(failed) == 1, outcomes
    assert isinstance(outcomes[failed[0]], error), outcomes[failed[0]]
    return 1 - failed[0], failed[0]


def test_two_placements_admitted_at_once_to_the_last_bed_give_one_stay(shelter_world):
    w = shelter_world
    cases = [new_case(w.social, w.social_worker, name=name) for name in ("Lò Thị Mai", "Hà Thị Lan")]
    for case in cases:
        place(case, w)
    # Both holds run out; a walk-in then takes the other bed, leaving one free bed for two.
    later = timezone.now() + datetime.timedelta(hours=w.facility.hold_hours + 1)
    assert do_release_expired_holds(later) == 2
    first, second = Bed.objects.filter(facility=w.facility).order_by("room", "label")
    do_admit_walk_in(
        registered_by(w.facility, w.shelter_worker, name="Vàng Thị Súa"),
        facility=w.facility,
        bed=second,
        planned_end=w.in_months(3),
        given_by=Consent.GivenBy.PERSON,
        given_on=timezone.localdate(),
        actor=acting(w.shelter_worker),
    )
    worker = acting(w.shelter_worker)

    outcomes = race(
        *(
            lambda case=case: do_admit_from_placement(
                case, facility=w.facility, bed=first, planned_end=w.in_months(3), actor=worker
            )
            for case in cases
        )
    )

    won, lost = winner_and_loser(outcomes, ShelterError)
    assert list(Stay.objects.filter(bed=first).values_list("case", flat=True)) == [cases[won].pk]
    assert not Stay.objects.filter(case=cases[lost]).exists()
    assert Bed.objects.get(pk=first.pk).occupied_by_id == cases[won].pk
    assert AuditEvent.objects.filter(case=cases[lost], action=AuditEvent.Action.REFUSED).count() == 1


def test_two_walk_ins_at_once_to_the_last_bed_give_one_stay(shelter_world):
    w = shelter_world
    cases = [
        registered_by(w.other_facility, w.other_shelter_worker, name=name) for name in ("Lò Thị Mai", "Hà Thị Lan")
    ]
    worker = acting(w.other_shelter_worker)
    consents_before = [Consent.objects.filter(case=case).count() for case in cases]

    outcomes = race(
        *(
            lambda case=case: do_admit_walk_in(
                case,
                facility=w.other_facility,
                planned_end=w.in_months(3),
                given_by=Consent.GivenBy.PERSON,
                given_on=timezone.localdate(),
                actor=worker,
            )
            for case in cases
        )
    )

    won, lost = winner_and_loser(outcomes, ShelterError)
    bed = Bed.objects.get(facility=w.other_facility)
    assert list(Stay.objects.filter(facility=w.other_facility).values_list("case", flat=True)) == [cases[won].pk]
    assert bed.occupied_by_id == cases[won].pk
    # The loser's consent to stay was rolled back with her admission.
    assert Consent.objects.filter(case=cases[lost]).count() == consents_before[lost]


def test_two_acceptances_at_once_for_the_last_bed_give_one_placement(shelter_world):
    w = shelter_world
    worker = acting(w.other_shelter_worker)
    referrals = []
    for name in ("Lò Thị Mai", "Hà Thị Lan"):
        referral = do_send_referral(
            new_case(w.social, w.social_worker, name=name),
            purpose=ReferralPurpose.objects.get(code="shelter_placement"),
            to_agency=w.other_facility.agency,
            from_agency=w.social,
            actor=acting(w.social_worker),
        )
        referrals.append(do_acknowledge_referral(referral, actor=worker))

    outcomes = race(*(lambda referral=referral: do_accept_referral(referral, actor=worker) for referral in referrals))

    won, lost = winner_and_loser(outcomes, ReferralError)
    assert list(Placement.objects.filter(facility=w.other_facility).values_list("reference", flat=True)) == [
        referrals[won].reference
    ]
    assert Bed.objects.get(facility=w.other_facility).held_for_id == referrals[won].case_id
    for referral in referrals:
        referral.refresh_from_db()
    assert (referrals[won].status, referrals[lost].status) == (ReferralStatus.ACCEPTED, ReferralStatus.RECEIVED)
