"""Claims for support: filing (eligibility, time limits, the deciding agency), deciding by
the role the item names, overdue flagging, and the deciding supervisor's inbox."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from casework.models import (
    AuditEvent,
    Case,
    CaseEvent,
    Country,
    LegalRegime,
    Person,
    PersonStatus,
    Role,
    SensitivityClass,
)
from support.actions import SupportError, do_decide_claim, do_file_claim, do_flag_overdue_claims
from support.models import CalendarDay, Claim, ClaimStatus, SupportItem
from support.queries import claims_to_decide
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in

pytestmark = pytest.mark.django_db

D = datetime.date
DOCUMENTS = "Mẫu số 07; giấy xác nhận nạn nhân"
INBOX = "/referrals/"
NAME = "Nguyễn Thị Lan"


@pytest.fixture
def deciders(world):
    world.social = make_agency("t-social", "social_protection", "LCA")
    world.social_worker = make_user("social.worker", world.social, Role.CASEWORKER)
    world.social_supervisor = make_user("social.supervisor", world.social, Role.SUPERVISOR)
    return world


def a_case(
    world, *, status=PersonStatus.VICTIM, regime=LegalRegime.LAW_2024, identified_on=D(2025, 9, 1), poor=True, **fields
):
    case = make_case(
        world.police,
        acting(world.owner),
        person_status=status,
        legal_regime=regime,
        identified_on=identified_on,
        received_at=timezone.make_aware(datetime.datetime(2023, 6, 1, 9, 0)),
        **fields,
    )
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"), poor_household=poor)
    return Case.objects.get(pk=case.pk)


def item(code: str) -> SupportItem:
    return SupportItem.objects.get(code=code)


def file(world, case, code="l53-k", **kwargs) -> Claim:
    values = {"deciding_agency": world.social, "documents": DOCUMENTS, "filed_on": D(2026, 3, 5)} | kwargs
    return do_file_claim(case, item=item(code), actor=world.owner, **values)


def refusals(case) -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, case=case).count()


def refused(world, case, **kwargs) -> str:
    with translation.override("en"), pytest.raises(SupportError) as error:
        file(world, case, **kwargs)
    return str(error.value)


# Filing -----------------------------------------------------------------------------------


def test_filing_for_an_eligible_victim_sets_the_decision_due_nine_working_days_later(deciders):
    case = a_case(deciders)
    claim = file(deciders, case, amount_requested_vnd=3_000_000)
    claim.refresh_from_db()
    assert (claim.status, claim.filed_on, claim.due_on) == (ClaimStatus.FILED, D(2026, 3, 5), D(2026, 3, 18))
    assert claim.filed_by == deciders.owner and claim.amount_requested_vnd == 3_000_000
    event = case.events.get(kind=CaseEvent.Kind.SUPPORT)
    assert event.sensitivity == SensitivityClass.SUPPORT and event.actor == deciders.owner
    row = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_id=str(claim.public_id))
    assert row.classes == [SensitivityClass.SUPPORT] and row.case == case
    assert row.detail["due_on"] == "2026-03-18"


def test_a_claim_filed_the_day_before_tet_falls_due_after_tet(deciders):
    for offset in range(9):  # test data for a Tết break, not the official decision
        CalendarDay.objects.create(date=D(2026, 2, 14) + datetime.timedelta(days=offset), name="Tết", name_en="Tet")
    claim = file(deciders, a_case(deciders), filed_on=D(2026, 2, 13))
    assert claim.due_on == D(2026, 3, 5)


def test_a_person_in_identification_abroad_cannot_claim_the_hardship_allowance(deciders):
    case = a_case(deciders, status=PersonStatus.IN_IDENTIFICATION, identified_on=None, abroad=True)
    message = refused(deciders, case)
    assert "not eligible" in message and "Initial hardship allowance" in message
    assert not Claim.objects.exists()
    assert refusals(case) == 1
    row = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, case=case)
    assert row.detail["action"] == "do_file_claim" and row.actor == deciders.owner


def test_an_item_given_without_a_claim_is_refused(deciders):
    case = a_case(deciders)
    assert "without a claim" in refused(deciders, case, code="l53-a")
    assert refusals(case) == 1


def law_2011_case(world, **fields):
    return a_case(world, regime=LegalRegime.LAW_2011, identified_on=D(2024, 1, 10), **fields)


def test_the_2011_hardship_allowance_is_refused_thirteen_months_after_identification(deciders):
    case = law_2011_case(deciders)
    message = refused(deciders, case, code="d09-hardship", filed_on=D(2025, 2, 10))
    assert "within 12 months" in message and "10/01/2025" in message
    assert not Claim.objects.exists() and refusals(case) == 1


def test_the_2011_hardship_allowance_is_filed_eleven_months_after_identification(deciders):
    case = law_2011_case(deciders)
    claim = file(deciders, case, code="d09-hardship", filed_on=D(2024, 12, 10))
    assert claim.status == ClaimStatus.FILED and claim.due_on is None  # no working-day deadline in the data


def test_the_2011_hardship_allowance_needs_a_poor_household(deciders):
    case = law_2011_case(deciders, poor=False)
    assert "not eligible" in refused(deciders, case, code="d09-hardship", filed_on=D(2024, 12, 10))


def test_a_time_limited_item_needs_the_identification_date(deciders):
    case = law_2011_case(deciders)
    Case.objects.filter(pk=case.pk).update(identified_on=None)
    case.refresh_from_db()
    assert "Record the identification first" in refused(deciders, case, code="d09-hardship", filed_on=D(2024, 12, 10))


def test_an_agency_of_the_wrong_kind_cannot_decide(deciders):
    case = a_case(deciders)
    assert "decided by an agency of the kind" in refused(deciders, case, deciding_agency=deciders.police)
    assert refusals(case) == 1


def test_an_inactive_agency_cannot_decide(deciders):
    deciders.social.is_active = False
    deciders.social.save(update_fields=["is_active"])
    assert "no longer active" in refused(deciders, a_case(deciders))


def test_a_second_open_claim_for_the_same_item_is_refused(deciders):
    case = a_case(deciders)
    file(deciders, case)
    assert "already awaiting a decision" in refused(deciders, case)
    assert Claim.objects.count() == 1 and refusals(case) == 1


def test_a_claim_needs_its_documents(deciders):
    assert "documents" in refused(deciders, a_case(deciders), documents="   ")


def test_a_claim_cannot_be_dated_in_the_future(deciders):
    assert "future" in refused(deciders, a_case(deciders), filed_on=timezone.localdate() + datetime.timedelta(days=1))


@pytest.mark.parametrize("amount", [-1, 1.5, Decimal("100"), "100", True])
def test_a_requested_amount_must_be_a_whole_non_negative_number_of_vnd(deciders, amount):
    case = a_case(deciders)
    assert "whole number of VND" in refused(deciders, case, amount_requested_vnd=amount)
    assert not Claim.objects.exists()


# Deciding ---------------------------------------------------------------------------------


@pytest.fixture
def filed(deciders):
    case = a_case(deciders)
    return SimpleNamespace(world=deciders, case=case, claim=file(deciders, case))


def decide(filed, user, **kwargs) -> Claim:
    values = {"approve": True, "reason": "đủ hồ sơ", "amount_decided_vnd": 3_000_000} | kwargs
    with translation.override("en"):
        return do_decide_claim(filed.claim, actor=user, **values)


def test_a_caseworker_cannot_decide_and_the_supervisor_of_another_agency_neither(filed):
    for user in (filed.world.social_worker, filed.world.supervisor):
        with pytest.raises(SupportError, match="Only a supervisor of Agency t-social"):
            decide(filed, user)
    filed.claim.refresh_from_db()
    assert filed.claim.status == ClaimStatus.FILED
    assert refusals(filed.case) == 2


def test_the_supervisor_of_the_deciding_agency_approves_with_an_amount(filed):
    supervisor = filed.world.social_supervisor
    decide(filed, supervisor)
    filed.claim.refresh_from_db()
    assert filed.claim.status == ClaimStatus.APPROVED
    assert (filed.claim.decided_by, filed.claim.amount_decided_vnd) == (supervisor, 3_000_000)
    assert filed.claim.decided_at is not None and filed.claim.decision_reason == "đủ hồ sơ"
    row = AuditEvent.objects.get(action=AuditEvent.Action.TRANSITION, object_id=str(filed.claim.public_id))
    assert row.classes == [SensitivityClass.SUPPORT] and row.detail["to"] == ClaimStatus.APPROVED
    assert filed.case.events.filter(kind=CaseEvent.Kind.SUPPORT, actor=supervisor).count() == 1


def test_a_decided_claim_cannot_be_decided_again(filed):
    decide(filed, filed.world.social_supervisor)
    with pytest.raises(SupportError, match="already been decided"):
        decide(filed, filed.world.social_supervisor, approve=False, amount_decided_vnd=None)


def test_a_refusal_needs_a_reason(filed):
    with pytest.raises(SupportError, match="reason"):
        decide(filed, filed.world.social_supervisor, approve=False, reason="  ", amount_decided_vnd=None)
    filed.claim.refresh_from_db()
    assert filed.claim.status == ClaimStatus.FILED and refusals(filed.case) == 1
    decide(filed, filed.world.social_supervisor, approve=False, reason="không đủ hồ sơ", amount_decided_vnd=None)
    filed.claim.refresh_from_db()
    assert filed.claim.status == ClaimStatus.REFUSED and filed.claim.amount_decided_vnd is None


@pytest.mark.parametrize("amount", [None, 0, -5, 2.5])
def test_approving_a_money_item_needs_a_positive_whole_amount(filed, amount):
    with pytest.raises(SupportError, match="approved amount"):
        decide(filed, filed.world.social_supervisor, amount_decided_vnd=amount)
    filed.claim.refresh_from_db()
    assert filed.claim.status == ClaimStatus.FILED


def test_a_refusal_carries_no_amount(filed):
    with pytest.raises(SupportError, match="Only an approved claim for money"):
        decide(filed, filed.world.social_supervisor, approve=False)


# Overdue ----------------------------------------------------------------------------------


def test_an_undecided_claim_is_flagged_overdue_once(filed, time_machine):
    # Due Wednesday 18 March 2026.
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 18, 16, 0)), tick=False)
    assert do_flag_overdue_claims() == 0
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 19, 8, 0)), tick=False)
    assert do_flag_overdue_claims() == 1
    assert do_flag_overdue_claims() == 0
    filed.claim.refresh_from_db()
    assert filed.claim.overdue_flagged_at == timezone.now()
    event = filed.case.events.get(kind=CaseEvent.Kind.OVERDUE)
    assert event.sensitivity == SensitivityClass.SUPPORT
    assert AuditEvent.objects.filter(object_id=str(filed.claim.public_id), detail__overdue="2026-03-18").count() == 1


def test_a_decided_claim_is_never_flagged(filed, time_machine):
    decide(filed, filed.world.social_supervisor)
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 4, 1, 8, 0)), tick=False)
    assert do_flag_overdue_claims() == 0


def test_the_task_flags_overdue_claims(filed, time_machine):
    from support.tasks import flag_overdue_claims

    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 19, 8, 0)), tick=False)
    assert flag_overdue_claims.apply().get() == 1


def test_claims_to_decide_lists_the_longest_overdue_first(deciders):
    later = file(deciders, a_case(deciders, name="Người Hai"), filed_on=D(2026, 3, 9))
    sooner = file(deciders, a_case(deciders, name="Người Ba"), filed_on=D(2026, 3, 2))
    assert list(claims_to_decide(deciders.social)) == [sooner, later]
    assert not claims_to_decide(deciders.police).exists()


# The deciding supervisor's inbox ----------------------------------------------------------


def test_the_deciding_supervisor_sees_the_overdue_claim_by_reference_without_a_name(filed):
    html = sign_in(filed.world.social_supervisor).get(INBOX).content.decode()
    section = html[html.index('id="claims"') :]
    assert filed.case.reference in section
    assert f'href="/cases/{filed.case.public_id}/#support"' in section
    assert 'data-testid="claim-overdue"' in section  # due 18 March 2026, long past
    assert NAME not in html
    listed = AuditEvent.objects.get(action=AuditEvent.Action.LIST, actor=filed.world.social_supervisor)
    assert SensitivityClass.SUPPORT in listed.classes and listed.detail["claims"] == 1


def test_a_claim_not_yet_due_has_no_overdue_badge(deciders):
    file(deciders, a_case(deciders), filed_on=timezone.localdate())
    html = sign_in(deciders.social_supervisor).get(INBOX).content.decode()
    assert 'id="claims"' in html and 'data-testid="claim-overdue"' not in html


def test_caseworkers_and_other_agencies_do_not_see_the_claim(filed):
    for user in (filed.world.social_worker, filed.world.supervisor, filed.world.owner):
        html = sign_in(user).get(INBOX).content.decode()
        assert 'id="claims"' not in html


def test_the_inbox_query_count_does_not_grow_with_claims(deciders):
    client = sign_in(deciders.social_supervisor)
    file(deciders, a_case(deciders))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INBOX).status_code == 200
        return len(queries)

    few = count()
    for index in range(4):
        file(deciders, a_case(deciders, name=f"Người Thử {index}"))
    assert count() == few


# Access of the deciding agency ------------------------------------------------------------


def test_the_deciding_agency_sees_what_it_decides_until_it_refuses(deciders):
    case = a_case(deciders)
    claim = file(deciders, case)
    client = sign_in(deciders.social_supervisor)
    page = client.get(reverse("casework:case-detail", args=[case.public_id]))
    assert page.status_code == 200 and NAME not in page.content.decode()  # core and support, not identity
    assert client.get(reverse("support:case-support", args=[case.public_id])).status_code == 200
    assert (
        sign_in(deciders.social_worker).get(reverse("casework:case-detail", args=[case.public_id])).status_code == 404
    )
    do_decide_claim(claim, approve=False, reason="Không thuộc hộ nghèo", actor=deciders.social_supervisor)
    assert client.get(reverse("casework:case-detail", args=[case.public_id])).status_code == 404
