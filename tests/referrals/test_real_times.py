"""Real times (issue 14): a handover, an admission or a discharge records when it *happened*,
which may be hours before it was typed in; never in the future, never before the person was
received. The minutes and the timeline print the real time."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.actions import CaseworkError
from casework.models import CaseEvent
from casework.models.cases import CameToNotice
from referrals import routing
from referrals.actions import ReferralError, do_record_handover
from referrals.views.minutes import minutes_html
from shelters import actions as shelter_actions
from shelters.actions import ShelterError
from tests.fixtures.chain import accept, consent, fresh, new_person_case, referral_to
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.referrals import make_minutes
from tests.fixtures.timeline import whole_timeline

pytestmark = pytest.mark.django_db
# How the minutes print the time of the handover (the official Vietnamese wording).
PRINTED_TIME = "vào hồi {hour} giờ {minute} phút"


def _local(moment):
    return timezone.localtime(moment)


@pytest.fixture
def accepted_late(chain):
    """A border return received at 08:00 that Sở Y tế accepted in the system only now."""
    case = new_person_case(chain.border, chain.border_worker, notice=CameToNotice.BORDER_HANDOVER, hours_ago=9)
    routing.route_case(case.pk)
    referral = accept(referral_to(case, "repatriation_reception", chain.syt), chain.syt_worker)
    return case, referral


def test_a_handover_at_an_earlier_real_time_is_recorded_and_printed(chain, accepted_late):
    case, referral = accepted_late
    happened = case.received_at + datetime.timedelta(hours=3)  # long before the acceptance was clicked
    client = sign_in(chain.syt_worker)
    form = {
        "handed_over_at": _local(happened).strftime("%Y-%m-%dT%H:%M"),
        "place": "Cửa khẩu quốc tế Lào Cai",
        "sender_officers": "Thiếu tá Lê Minh Tuấn, Đồn Biên phòng",
        "receiver_officers": "Bà Vũ Thị Thu, Sở Y tế",
        "signed_by": ["sender", "receiver", "person"],
    }
    response = client.post(reverse("referrals:handover", args=[referral.public_id]), form)
    assert response.status_code == 302
    referral.refresh_from_db()
    minutes = referral.minutes
    assert _local(minutes.handed_over_at).strftime("%H:%M") == _local(happened).strftime("%H:%M")
    assert minutes.recorded_at > minutes.handed_over_at + datetime.timedelta(hours=5)
    html = minutes_html(referral, minutes, identity=True)
    assert PRINTED_TIME.format(hour=f"{_local(happened):%H}", minute=f"{_local(happened):%M}") in html
    # The timeline shows when it happened, and that it was entered later.
    line = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.REFERRAL, at=minutes.handed_over_at)
    assert line.entered_later and line.recorded_at > line.at + datetime.timedelta(hours=5)
    # The 3 days of verification run from the real reception by Sở Y tế.
    assert fresh(case).verification_started_at == minutes.handed_over_at


def test_the_minutes_say_person_undergoing_identification_until_identified(chain, accepted_late):
    case, referral = accepted_late
    do_record_handover(referral, minutes=make_minutes(), actor=acting(chain.syt_worker))
    referral.refresh_from_db()
    html = minutes_html(referral, referral.minutes, identity=True)
    assert "người đang trong quá trình xác định là nạn nhân" in html.lower()
    assert "Biên bản bàn giao nạn nhân bị mua bán" not in html


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (datetime.timedelta(hours=2), "future"),
        (None, "before the person was received"),
    ],
)
def test_a_handover_time_in_the_future_or_before_reception_is_refused(chain, accepted_late, shift, message):
    case, referral = accepted_late
    at = timezone.now() + shift if shift else case.received_at - datetime.timedelta(hours=1)
    with pytest.raises(ReferralError):
        do_record_handover(referral, minutes=make_minutes(handed_over_at=at), actor=acting(chain.syt_worker))
    referral.refresh_from_db()
    assert referral.status == "accepted" and not hasattr(referral, "minutes")


def test_an_admission_records_when_she_arrived(chain):
    case = new_person_case(chain.syt, chain.syt_worker, hours_ago=30)
    consent(case, chain.house_agency, ["core", "identity", "health", "shelter"], chain.syt_worker)
    from referrals.actions import do_send_referral
    from referrals.models import ReferralPurpose

    placement = do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=chain.house_agency,
        from_agency=chain.syt,
        actor=acting(chain.syt_worker),
    )
    accept(placement, chain.house_staff)
    arrived = timezone.now() - datetime.timedelta(hours=20)
    with pytest.raises(ShelterError):
        shelter_actions.do_admit_from_placement(
            case,
            facility=chain.house,
            planned_end=timezone.localdate() + datetime.timedelta(days=30),
            admitted_at=case.received_at - datetime.timedelta(days=1),
            actor=chain.house_staff,
        )
    stay = shelter_actions.do_admit_from_placement(
        case,
        facility=chain.house,
        planned_end=timezone.localdate() + datetime.timedelta(days=30),
        admitted_at=arrived,
        actor=chain.house_staff,
    )
    assert stay.admitted_at == arrived and stay.admission_recorded_at > arrived
    line = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.SHELTER).order_by("-recorded_at").first()
    assert line.at == arrived and line.entered_later
    discharged = timezone.now() - datetime.timedelta(hours=1)
    stay = shelter_actions.do_discharge(
        stay, discharged_at=discharged, destination="family", reason="Về nhà", actor=chain.house_staff
    )
    assert stay.discharged_at == discharged and stay.discharge_recorded_at > discharged
    # The line is dated when she arrived, so it sits below later ones: the whole timeline.
    page = whole_timeline(sign_in(chain.syt_worker), reverse("casework:case-detail", args=[case.public_id]))
    assert _local(arrived).strftime("%d/%m/%Y %H:%M") in page


def test_the_identification_date_still_cannot_precede_reception(chain):
    case = new_person_case(chain.police, chain.police_worker)
    from casework import actions

    actions.do_transition_case(case, "verifying", reason="x", actor=acting(chain.police_worker))
    with pytest.raises(CaseworkError):
        actions.do_record_identification(
            case,
            is_victim=True,
            identified_on=timezone.localdate() - datetime.timedelta(days=3),
            authority="Công an",
            document="",
            reason="x",
            grounds=["person_statement"],
            agency=chain.police,
            actor=acting(chain.police_worker),
        )
