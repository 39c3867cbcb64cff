"""The supervisor dashboard shows no figure of 1–10 about people, and none that can be
worked out from the figures around it: shares, month bars, handovers, amounts paid
(QUALITY S6; review probes of issue 6)."""

import datetime
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from casework.models import (
    PersonStatus,
    Role,
)
from dashboards import overview
from dashboards.scope import Filters
from dashboards.stats import statistics_for
from referrals.actions import do_send_referral
from referrals.models import HandoverMinutes, ReferralPurpose
from support.models import Claim, ClaimStatus, Payment, SupportItem
from tests.fixtures.personas import acting, make_user, sign_in
from tests.fixtures.probes import (
    MARCH,
    MARCH_DAY,
    MARCH_PERIOD,
    TODAY,
    province_scope,
    received_cases,
    revealed,
)

DASHBOARD = reverse("dashboards:dashboard")
STATISTICS = reverse("dashboards:statistics")


def test_dashboard_share_of_children_does_not_give_away_the_adults(province_world):
    w = province_world
    received_cases(w.police, w.worker, 13, is_child=True, person_status=PersonStatus.VICTIM)
    received_cases(w.police, w.worker, 3, is_child=False, person_status=PersonStatus.VICTIM)
    data = overview.build(province_scope(w), Filters(*MARCH_PERIOD), suppress=True, today=TODAY)
    # 16 victims, 13 children: a share of 81.3 % would give away the 3 adults.
    assert data.child_share is None
    assert not revealed(data.victims, data.child_victims)


def test_dashboard_share_of_children_is_hidden_where_the_statistics_hide_its_figures(province_world):
    """The statistics hide the victims as the complement of 5 people in identification; the
    dashboard must not give the victims back as children + adults."""
    w = province_world
    received_cases(w.police, w.worker, 12, is_child=True, person_status=PersonStatus.VICTIM)
    received_cases(w.police, w.worker, 12, is_child=False, person_status=PersonStatus.VICTIM)
    received_cases(w.police, w.worker, 5, person_status=PersonStatus.IN_IDENTIFICATION)
    received_cases(w.police, w.worker, 40, person_status=PersonStatus.NOT_VICTIM)
    filters = Filters(*MARCH_PERIOD)
    figures = statistics_for(province_scope(w), filters, suppress=True).figures()
    data = overview.build(province_scope(w), filters, suppress=True, today=TODAY)
    assert figures["victims"] is None
    assert data.victims is None and data.child_share is None


def test_dashboard_month_bars_beyond_ten_years_do_not_give_away_the_rest(province_world):
    w = province_world
    received_cases(w.police, w.worker, 15, when=datetime.datetime(2015, 3, 10, tzinfo=datetime.UTC))
    received_cases(w.police, w.worker, 3, when=datetime.datetime(2025, 6, 10, tzinfo=datetime.UTC))
    filters = Filters(date_from=datetime.date(2010, 1, 1), date_to=TODAY)
    data = overview.build(province_scope(w), filters, suppress=True, today=TODAY)
    bars = [bar.value for bar in data.received_by_month]
    assert not revealed(data.received, *bars)


def test_dashboard_new_this_month_does_not_give_away_the_days_after_the_period(province_world):
    w = province_world
    today = datetime.date(2026, 3, 20)
    received_cases(w.police, w.worker, 15, when=datetime.datetime(2026, 3, 5, tzinfo=datetime.UTC))
    received_cases(w.police, w.worker, 3, when=datetime.datetime(2026, 3, 15, tzinfo=datetime.UTC))
    filters = Filters(date_from=datetime.date(2025, 4, 1), date_to=datetime.date(2026, 3, 10))
    data = overview.build(province_scope(w), filters, suppress=True, today=today)
    march = data.received_by_month[-1]
    assert march.label == "03/2026"
    assert not revealed(data.new_this_month, march.value)


def test_dashboard_handovers_do_not_give_away_those_not_handed_over(province_world):
    w = province_world
    cases = received_cases(w.police, w.worker, 15)
    purpose = ReferralPurpose.objects.get(code="protection_support")
    for case in cases[:12]:
        referral = do_send_referral(
            case, purpose=purpose, to_agency=w.social, from_agency=w.police, actor=acting(w.worker)
        )
        HandoverMinutes.objects.create(
            referral=referral,
            handed_over_at=MARCH_DAY + datetime.timedelta(days=2),
            place="Lào Cai",
            sender_officers="A",
            receiver_officers="B",
            recorded_by=w.worker,
        )
    data = overview.build(province_scope(w), Filters(*MARCH_PERIOD), suppress=True, today=TODAY)
    assert data.median_days_to_handover == 2.0
    # 15 received, 12 handed over: 3 not handed over would be the difference.
    assert not revealed(data.received, data.handovers)


def test_a_hidden_handover_count_shows_a_star_not_a_dash(province_world):
    w = province_world
    received_cases(w.police, w.worker, 12)
    # Without the statistics mandate: the supervisor herself sees true figures.
    w.supervisor = make_user("rv.admin", w.social, Role.AGENCY_ADMIN)
    page = sign_in(w.supervisor).get(DASHBOARD, MARCH)
    assert page.context["data"].handovers == 0
    assert 'data-testid="median-handover">—' in page.content.decode()
    with (
        mock.patch.object(overview, "_median_days_to_handover", return_value=(None, 4)),
        mock.patch.object(overview.suppression, "suppress", return_value={"handovers"}),
    ):
        page = sign_in(w.supervisor).get(DASHBOARD, MARCH)
    assert page.context["data"].handovers is None
    assert 'data-testid="median-handover">*' in page.content.decode()


def test_the_dashboard_without_a_period_counts_without_failing(province_world):
    w = province_world
    received_cases(w.police, w.worker, 12)
    data = overview.build(province_scope(w), Filters(), suppress=True, today=TODAY)
    assert data.received == 12


def test_dashboard_amount_paid_is_hidden_when_few_people_were_paid(province_world):
    """One payment to one woman, no claim decided in the period: the amount would be hers."""
    w = province_world
    (case,) = received_cases(w.police, w.worker, 1)
    Payment.objects.create(
        case=case,
        item=SupportItem.objects.first(),
        amount_vnd=5_000_000,
        paid_on=datetime.date(2026, 3, 12),
        payer_agency=w.social,
        receipt_ref="PT-01",
        recorded_by=w.worker,
        recorded_at=timezone.now(),
    )
    data = overview.build(province_scope(w), Filters(*MARCH_PERIOD), suppress=True, today=TODAY)
    assert (data.claims_approved, data.claims_refused) == (0, 0)
    assert data.paid_vnd is None


def test_dashboard_and_statistics_agree_on_the_people_received(province_world):
    """The same filters on both pages: the same total, hidden on both or shown on both."""
    w = province_world
    received_cases(w.police, w.worker, 14)
    client = sign_in(w.supervisor)
    dashboard = client.get(DASHBOARD, MARCH).context["data"]
    statistics = client.get(STATISTICS, MARCH).context["stats"].figures()
    assert dashboard.received == statistics["received"] == 14


def test_claims_and_payments_figures_from_their_one_statement(province_world):
    """Claims decided in the period and waiting, the amount approved; the net amount paid
    with a reversal, and to how many people (decision 324: one UNION ALL)."""
    w = province_world
    first, second, third = received_cases(w.police, w.worker, 3)
    item = SupportItem.objects.first()
    decided = timezone.make_aware(datetime.datetime(2026, 3, 10, 9))
    before = timezone.make_aware(datetime.datetime(2026, 1, 10, 9))
    for case, status, at, amount in (
        (first, ClaimStatus.APPROVED, decided, 3_000_000),
        (second, ClaimStatus.APPROVED, decided, 2_000_000),
        (second, ClaimStatus.REFUSED, decided, None),
        (third, ClaimStatus.APPROVED, before, 9_000_000),  # decided before the period
        (third, ClaimStatus.FILED, None, None),
    ):
        Claim.objects.create(
            case=case,
            item=item,
            deciding_agency=w.social,
            filed_on=datetime.date(2026, 1, 5),
            filed_by=w.worker,
            documents="Mẫu số 07",
            status=status,
            decided_at=at,
            amount_decided_vnd=amount,
        )

    def pay(case, amount, day, reverses=None):
        return Payment.objects.create(
            case=case,
            item=item,
            amount_vnd=amount,
            paid_on=datetime.date(2026, 3, 1) + datetime.timedelta(days=day),
            payer_agency=w.social,
            receipt_ref=f"PT-{day}-{amount}",
            recorded_by=w.worker,
            recorded_at=timezone.now(),
            reverses=reverses,
        )

    pay(first, 3_000_000, 11)
    paid_in_error = pay(second, 2_000_000, 11)
    pay(second, -2_000_000, 19, reverses=paid_in_error)  # a negative line of the same ledger
    pay(second, 1_500_000, 20)
    pay(third, 7_000_000, 40)  # paid after the period
    data = overview.build(province_scope(w), Filters(*MARCH_PERIOD), suppress=False, today=TODAY)
    assert (data.claims_approved, data.claims_refused, data.claims_waiting) == (2, 1, 1)
    assert data.approved_vnd == 5_000_000
    assert data.paid_vnd == 4_500_000  # 3,000,000 + 2,000,000 − 2,000,000 + 1,500,000
    empty = overview.build(
        province_scope(w), Filters(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)), suppress=False, today=TODAY
    )
    assert (empty.claims_approved, empty.claims_refused, empty.approved_vnd, empty.paid_vnd) == (0, 0, 0, 0)
