"""Claims, payments and referrals carry their case's province of reception (decision 325): set
when they are made, moved with the case in the transaction that moves it, put right again by
`recompute_rollups`. A province's dashboard counts them by that copy and never joins the
province's cases, and its figures are those of the live join."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import corrections
from casework.models import Province, StatisticsScope
from dashboards import overview
from dashboards.scope import Filters, Scope
from referrals.actions import do_send_referral
from referrals.models import Referral, ReferralPurpose
from referrals.models.core import OPEN_STATUSES
from support import actions as support_actions
from support.models import Claim, ClaimStatus, Payment, SupportItem
from support.queries import totals
from tests.fixtures.personas import acting, make_agency, make_user
from tests.fixtures.probes import MARCH_PERIOD, province_scope, received_cases

pytestmark = pytest.mark.django_db


def _rows_of(w, case) -> tuple[Claim, Payment, Referral]:
    """A claim waiting for its decision, a payment in March and an overdue referral step."""
    item = SupportItem.objects.first()
    claim = Claim.objects.create(
        case=case,
        item=item,
        deciding_agency=w.social,
        filed_on=datetime.date(2026, 3, 5),
        filed_by=w.worker,
        documents="Mẫu số 07",
    )
    payment = Payment.objects.create(
        case=case,
        item=item,
        amount_vnd=2_000_000,
        paid_on=datetime.date(2026, 3, 11),
        payer_agency=w.social,
        receipt_ref="PT-01/2026",
        recorded_by=w.worker,
        recorded_at=timezone.now(),
    )
    referral = do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=w.social,
        from_agency=w.police,
        actor=acting(w.worker),
    )
    Referral.objects.filter(pk=referral.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=1), overdue_flagged_at=timezone.now()
    )
    return claim, payment, referral


def _figures(scope: Scope, **place) -> tuple[int, int, int]:
    """Claims waiting, amount paid in March and overdue steps, as the dashboard counts them."""
    filters = Filters(*MARCH_PERIOD, **place)
    claims, paid = overview._claims_and_paid(scope, filters)
    overdue = sum(row["count"] for row in overview._overdue_by_agency(scope, filters))
    return claims["waiting"], paid["total"], overdue


def _joined(province: Province, agency=None) -> tuple[int, int, int]:
    """The same figures through the cases, as the dashboard counted them before the copy."""
    of_province = Q(case__reception_province=province) & (Q(case__owning_agency=agency) if agency else Q())
    waiting = Claim.objects.filter(of_province, status=ClaimStatus.FILED).count()
    paid = Payment.objects.filter(of_province, paid_on__range=MARCH_PERIOD).aggregate(n=Sum("amount_vnd"))["n"] or 0
    overdue = Referral.objects.filter(of_province, status__in=OPEN_STATUSES, overdue_flagged_at__isnull=False)
    return waiting, paid, overdue.aggregate(n=Count("pk"))["n"]


@pytest.fixture
def two_provinces(province_world):
    w = province_world
    hanoi_social = make_agency("rv-social-hn", "social_protection", "HN")
    hanoi_social.statistics_scope = w.social.statistics_scope
    hanoi_social.save()
    make_user("rv.supervisor.hn", hanoi_social, "supervisor")
    w.lao_cai, w.hanoi = Province.objects.get(code="LCA"), Province.objects.get(code="HN")
    w.hanoi_scope = Scope.of(hanoi_social)
    (w.case,) = received_cases(w.police, w.worker, 1)
    return w


def test_the_rows_of_a_case_carry_its_province_and_count_as_the_join_does(two_provinces):
    w = two_provinces
    rows = _rows_of(w, w.case)
    assert {row.case_province_id for row in rows} == {w.lao_cai.pk}
    assert [type(row).objects.get(pk=row.pk).case_province_id for row in rows] == [w.lao_cai.pk] * 3
    assert _figures(province_scope(w)) == _joined(w.lao_cai) == (1, 2_000_000, 1)
    assert _figures(w.hanoi_scope) == _joined(w.hanoi) == (0, 0, 0)


def test_a_case_corrected_to_another_province_takes_its_rows_along(two_provinces):
    w = two_provinces
    rows = _rows_of(w, w.case)
    seen = corrections.parse_fingerprints(corrections.fingerprints(w.case, ["reception_province"]))
    assert seen is not None
    corrections.do_edit_case(w.case, {"reception_province": w.hanoi}, seen=seen, actor=w.worker)
    assert [type(row).objects.get(pk=row.pk).case_province_id for row in rows] == [w.hanoi.pk] * 3
    assert _figures(province_scope(w)) == _joined(w.lao_cai) == (0, 0, 0)
    assert _figures(w.hanoi_scope) == _joined(w.hanoi) == (1, 2_000_000, 1)
    # The ledger's report by province reads the same copy.
    assert {row["key"]: row["amount_vnd"] for row in totals(group_by="province")} == {w.hanoi.code: 2_000_000}
    assert [row["amount_vnd"] for row in totals(group_by="province", province=w.lao_cai)] == []


def test_a_save_that_keeps_the_province_writes_no_copy(two_provinces):
    w = two_provinces
    _rows_of(w, w.case)
    w.case.reception_place = "Cửa khẩu Kim Thành"
    with CaptureQueriesContext(connection) as captured:
        w.case.save()
    assert not [query for query in captured.captured_queries if "case_province_id" in query["sql"]]


def test_recompute_rollups_puts_a_wrong_copy_right(two_provinces):
    """A load that bypassed the actions (a restore, a script) left a wrong copy behind."""
    w = two_provinces
    claim, payment, referral = _rows_of(w, w.case)
    Claim.objects.filter(pk=claim.pk).update(case_province=w.hanoi)
    Referral.objects.filter(pk=referral.pk).update(case_province=w.hanoi)
    assert _figures(province_scope(w)) == (0, 2_000_000, 0)
    call_command("recompute_rollups", stdout=io.StringIO())
    assert {type(row).objects.get(pk=row.pk).case_province_id for row in (claim, payment, referral)} == {w.lao_cai.pk}
    assert _figures(province_scope(w)) == _joined(w.lao_cai) == (1, 2_000_000, 1)


@pytest.mark.postgres
def test_the_ledger_lets_only_the_province_copy_of_a_payment_change(two_provinces):
    """The append-only trigger still refuses any other change to a posted line."""
    from django.db import DatabaseError, transaction

    w = two_provinces
    _claim, payment, _referral = _rows_of(w, w.case)
    assert Payment.objects.filter(pk=payment.pk).update(case_province=w.hanoi) == 1
    for change in ({"amount_vnd": 1}, {"amount_vnd": 1, "case_province": w.lao_cai}):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(**change)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).delete()
    assert Payment.objects.get(pk=payment.pk).amount_vnd == 2_000_000


def test_a_province_filter_and_an_agency_filter_count_as_the_join_does(two_provinces):
    """The national dashboard filtered to a province, and a province's filtered to an agency."""
    w = two_provinces
    _rows_of(w, w.case)
    national = Scope(level=StatisticsScope.NATIONAL, agency=w.social)
    assert _figures(national, province_id=w.lao_cai.pk) == _joined(w.lao_cai) == (1, 2_000_000, 1)
    assert _figures(national, province_id=w.hanoi.pk) == _joined(w.hanoi) == (0, 0, 0)
    assert _figures(province_scope(w), agency_id=w.police.pk) == _joined(w.lao_cai, w.police) == (1, 2_000_000, 1)
    assert _figures(province_scope(w), agency_id=w.social.pk) == _joined(w.lao_cai, w.social) == (0, 0, 0)
    # A province filter outside a province's own scope finds nothing, as the join did.
    assert _figures(province_scope(w), province_id=w.hanoi.pk) == (0, 0, 0)


def test_a_save_that_does_not_write_the_province_moves_no_copy(two_provinces):
    w = two_provinces
    rows = _rows_of(w, w.case)
    w.case.reception_province = w.hanoi  # in memory only: the save below does not write it
    w.case.reception_place = "Cửa khẩu Kim Thành"
    w.case.save(update_fields=["reception_place", "updated_at"])
    assert [type(row).objects.get(pk=row.pk).case_province_id for row in rows] == [w.lao_cai.pk] * 3


def test_a_reversal_carries_the_province_the_case_has_now(two_provinces):
    w = two_provinces
    _claim, payment, _referral = _rows_of(w, w.case)
    seen = corrections.parse_fingerprints(corrections.fingerprints(w.case, ["reception_province"]))
    assert seen is not None
    corrections.do_edit_case(w.case, {"reception_province": w.hanoi}, seen=seen, actor=w.worker)
    reversal = support_actions.do_reverse_payment(payment, reason="Ghi nhầm số tiền", actor=w.worker)
    assert reversal.case_province_id == Payment.objects.get(pk=payment.pk).case_province_id == w.hanoi.pk
    # The reversal is dated today, outside March: the province's ledger nets to zero.
    assert Payment.objects.filter(case_province=w.hanoi).aggregate(n=Sum("amount_vnd"))["n"] == 0
