"""Deadlines as the law counts them (issue 14): the 3 days of initial verification run from the
provincial social agency's reception and end with its verification result, not with a status
move; status limits an administrator sets are shown and flagged."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casework import actions
from casework.actions import CaseworkError, do_flag_overdue_cases
from casework.models import AuditEvent, CaseEvent, CaseStatus, StatusDeadline, VerificationOutcome
from casework.models.cases import CameToNotice
from casework.responsibility import do_flag_overdue_verifications, do_record_verification
from referrals import routing
from tests.fixtures.chain import accept, fresh, new_person_case, referral_to
from tests.fixtures.personas import acting, sign_in

pytestmark = pytest.mark.django_db


def test_the_clock_starts_at_the_social_agencys_reception_not_at_the_first_reception(chain):
    case = new_person_case(chain.border, chain.border_worker, notice=CameToNotice.BORDER_HANDOVER, hours_ago=50)
    assert fresh(case).verification_started_at is None  # the border guard's reception starts nothing
    routing.route_case(case.pk)
    accepted_at = timezone.now()
    accept(referral_to(case, "repatriation_reception", chain.syt), chain.syt_worker)
    case = fresh(case)
    assert case.verification_agency == chain.syt
    assert abs(case.verification_started_at - accepted_at) < datetime.timedelta(minutes=1)
    assert case.verification_due_at == case.verification_started_at + datetime.timedelta(hours=72)


def test_a_case_the_social_agency_registers_itself_starts_the_clock_at_reception(chain):
    case = new_person_case(chain.syt, chain.syt_worker, hours_ago=10)
    assert case.verification_started_at == case.received_at
    assert case.verification_due_at == case.received_at + datetime.timedelta(days=3)


def test_entering_verifying_does_not_stop_the_clock_the_result_does(chain):
    case = new_person_case(chain.syt, chain.syt_worker, hours_ago=80)
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="Bắt đầu", actor=acting(chain.syt_worker))
    assert fresh(case).verification_concluded_at is None
    assert do_flag_overdue_verifications() == 1
    assert do_flag_overdue_verifications() == 0  # once
    case = fresh(case)
    assert case.verification_flagged_at is not None
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.OVERDUE).count() == 1
    page = sign_in(chain.syt_worker).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert 'data-testid="verification"' in page
    response = sign_in(chain.syt_worker).post(
        reverse("casework:case-verification", args=[case.public_id]),
        {
            "outcome": VerificationOutcome.IDENTIFICATION_NEEDED,
            "concluded_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "note": "Thiếu giấy tờ theo khoản 1 Điều 33",
        },
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.verification_outcome == VerificationOutcome.IDENTIFICATION_NEEDED
    assert case.verification_concluded_at is not None
    assert case.status == CaseStatus.IDENTIFYING  # documents missing: on to identification
    assert AuditEvent.objects.filter(
        case=case, detail__verification="identification_needed", detail__late=True
    ).exists()
    with pytest.raises(CaseworkError):
        do_record_verification(case, outcome="no_signs", concluded_at=None, note="lại", actor=chain.syt_worker)


def test_a_result_within_three_days_is_never_flagged(chain):
    case = new_person_case(chain.syt, chain.syt_worker, hours_ago=1)
    do_record_verification(
        case, outcome=VerificationOutcome.NO_SIGNS, concluded_at=None, note="Không có dấu hiệu", actor=chain.syt_worker
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=5)):
        assert do_flag_overdue_verifications() == 0


def test_the_police_receiver_may_record_the_result_the_commune_may_not(chain):
    case = new_person_case(chain.commune, chain.commune_worker)
    routing.route_case(case.pk)
    accept(referral_to(case, "protection_support", chain.syt), chain.syt_worker)
    accept(referral_to(case, "verification", chain.police), chain.police_worker)
    url = reverse("casework:case-verification", args=[case.public_id])
    data = {
        "outcome": VerificationOutcome.DOCUMENTS_COMPLETE,
        "concluded_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "note": "Có giấy xác nhận của cơ quan nước ngoài",
    }
    assert sign_in(chain.commune_worker).post(url, data).status_code == 403
    assert fresh(case).verification_concluded_at is None
    assert sign_in(chain.police_worker).post(url, data).status_code == 302
    assert fresh(case).verification_outcome == VerificationOutcome.DOCUMENTS_COMPLETE


def test_the_identification_decision_ends_verification(chain):
    case = new_person_case(chain.syt, chain.syt_worker, hours_ago=2)
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="x", actor=acting(chain.syt_worker))
    actions.do_record_identification(
        fresh(case),
        is_victim=True,
        identified_on=timezone.localdate(),
        authority="Công an tỉnh Lào Cai",
        document="1",
        reason="Giấy tờ",
        grounds=["procedure_body"],
        agency=chain.police,
        actor=acting(chain.police_worker),
    )
    case = fresh(case)
    assert case.status == CaseStatus.IDENTIFIED and case.verification_concluded_at is not None
    with time_machine.travel(timezone.now() + datetime.timedelta(days=5)):
        assert do_flag_overdue_verifications() == 0


def test_a_status_limit_set_by_an_administrator_is_shown_and_flagged(chain):
    StatusDeadline.objects.update_or_create(status=CaseStatus.IDENTIFYING, defaults={"hours": 240})
    case = new_person_case(chain.police, chain.police_worker)
    worker = acting(chain.police_worker)
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="x", actor=worker)
    case = actions.do_transition_case(case, CaseStatus.IDENTIFYING, reason="y", actor=worker)
    assert case.due_at == case.status_changed_at + datetime.timedelta(hours=240)
    page = sign_in(chain.police_worker).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert timezone.localtime(case.due_at).strftime("%d/%m/%Y %H:%M") in page
    with time_machine.travel(timezone.now() + datetime.timedelta(days=11)):
        assert do_flag_overdue_cases() == 1
    assert fresh(case).is_overdue


def test_reported_has_no_three_day_limit_any_more(chain):
    assert StatusDeadline.objects.get(status=CaseStatus.REPORTED).hours is None
    case = new_person_case(chain.police, chain.police_worker)
    assert case.due_at is None
