"""The rollups per province and month give the figures the live queries give (issue 18).

On the crafted statistics world plus cases that spread one incident over two months and two
provinces, every figure of the dashboard and of the statistics page — true and suppressed,
over whole months, days, open and fixed periods, for the country, a province and a province
filter — is computed twice, from the rollups and by scanning the cases, and must be equal:
before any change, with the changes only marked (read live), after the marks are folded in,
and the table then equals one rebuilt from scratch."""

import dataclasses
import datetime
import io

import pytest
from django.core.management import call_command

from casework.models import Case, Person, PersonStatus, Province, ReturnMode, Sex, StatisticsScope
from casework.responsibility import do_transfer_lead
from dashboards import overview, rollups, stats
from dashboards.models import CaseRollup, IncidentRollup, RollupMark, WaitRollup
from dashboards.scope import Filters, Scope
from referrals.actions import do_send_referral
from referrals.models import HandoverMinutes, ReferralPurpose
from tests.fixtures.personas import acting, make_case
from tests.fixtures.statistics import build_statistics_world

TODAY = datetime.date(2026, 11, 24)
D = datetime.date
PERIODS = [
    Filters(),
    Filters(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31)),  # a whole month
    Filters(date_from=D(2026, 3, 5), date_to=D(2026, 4, 20)),  # days at both ends
    Filters(date_from=D(2026, 3, 10), date_to=D(2026, 3, 10)),  # one day
    Filters(date_from=D(2026, 3, 10)),  # open at the end
    Filters(date_to=D(2026, 3, 31)),  # open at the start
    Filters(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31)),  # a fixed year (the lattice)
    Filters(date_from=D(2026, 1, 1), date_to=D(2026, 3, 31)),  # a fixed quarter
    Filters(date_from=overview.default_period(TODAY)[0], date_to=TODAY),  # the dashboard's default
]


@pytest.fixture
def spread(reference_data):
    """The statistics world, its incident A also in April and in Hà Nội, rollups built."""
    world = build_statistics_world()
    world.april = make_case(
        world.police,
        acting(world.worker),
        name="Giàng Thị Lìa",
        received_at=datetime.datetime(2026, 4, 2, 3, 0, tzinfo=datetime.UTC),
    )
    world.april_hn = make_case(
        world.police_hn,
        acting(world.worker),
        name="Giàng Thị Dính",
        received_at=datetime.datetime(2026, 3, 31, 18, 30, tzinfo=datetime.UTC),  # 1 April, local time
        reception_province=Province.objects.get(code="HN"),
    )
    for case, child in ((world.april, True), (world.april_hn, False)):
        Case.objects.filter(pk=case.pk).update(
            person_status=PersonStatus.VICTIM,
            identified_on=D(2026, 4, 3),
            incident=world.incident_a,
            is_child=child,
            destination_country=world.hanoi.destination_country,
        )
    # Waits to handover from an hour to a month, one of them before reception (a minutes
    # back-dated), over both months and provinces: the median of each period (decision 280).
    purpose = ReferralPurpose.objects.get(code="protection_support")
    waits = [0.04, 1.26, 2.5, 2.55, 7.0, 30.2, -0.3, 3.33, 0.5, 12.0]
    for case, wait in zip([world.april, world.april_hn, *world.cases], waits, strict=False):
        referral = do_send_referral(
            case, purpose=purpose, to_agency=world.social, from_agency=case.owning_agency, actor=acting(world.worker)
        )
        HandoverMinutes.objects.create(
            referral=referral,
            handed_over_at=Case.objects.get(pk=case.pk).received_at + datetime.timedelta(days=wait),
            place="Lào Cai",
            sender_officers="A",
            receiver_officers="B",
            recorded_by=world.worker,
        )
    rollups.recompute()
    return world


def scopes(world) -> list[tuple[Scope, Filters]]:
    world.police.statistics_scope = StatisticsScope.PROVINCE
    world.police.save()
    national = Scope(level=StatisticsScope.NATIONAL, agency=world.social)
    hanoi = Filters(province_id=Province.objects.get(code="HN").pk)
    return [(national, Filters()), (Scope.of(world.police), Filters()), (national, hanoi)]


def computed(scope: Scope, filters: Filters, suppress: bool) -> tuple:
    board = dataclasses.asdict(overview._aggregates(scope, filters, suppress, TODAY))
    figures = stats.statistics_for(scope, filters, suppress=suppress, today=TODAY)
    return board, figures.figures(), figures._values


# Suppressed figures of a fixed period count its whole year (the lattice): those periods only.
SUPPRESSED = {1, 6, 7}


def assert_rollups_match_live(world, settings) -> int:
    compared = 0
    for scope, place in scopes(world):
        for number, period in enumerate(PERIODS):
            filters = dataclasses.replace(period, province_id=place.province_id)
            assert rollups.totals(scope, filters) is not None, (scope.level, filters)
            for suppress in (False, True) if number in SUPPRESSED else (False,):
                settings.CAUNOI_DASHBOARD_ROLLUPS = True
                rolled = computed(scope, filters, suppress)
                settings.CAUNOI_DASHBOARD_ROLLUPS = False
                live = computed(scope, filters, suppress)
                settings.CAUNOI_DASHBOARD_ROLLUPS = True
                assert rolled == live, (scope.level, filters, suppress)
                compared += 1
    return compared


def table() -> tuple[list, list]:
    rows = sorted(CaseRollup.objects.values_list(*[f.attname for f in CaseRollup._meta.fields if f.name != "id"]))
    incidents = sorted(IncidentRollup.objects.values_list("province_id", "month", "incident_id", "child", "recorded"))
    waits = sorted(WaitRollup.objects.values_list("province_id", "month", "tenths", "cases"))
    return rows, incidents, waits


def test_the_rollups_give_the_live_figures(spread, settings):
    assert CaseRollup.objects.filter(month=D(2026, 4, 1)).count() == 2
    assert assert_rollups_match_live(spread, settings) == 36
    assert WaitRollup.objects.filter(tenths__lt=0).exists()
    # The medians compared are figures, not None on both sides.
    national = Scope(level=StatisticsScope.NATIONAL, agency=spread.social)
    assert overview._aggregates(national, Filters(), False, TODAY).median_days_to_handover is not None
    # Incident A has victims in March and April, in Lào Cai and Hà Nội: counted once.
    national = Scope(level=StatisticsScope.NATIONAL, agency=spread.social)
    spring = Filters(date_from=D(2026, 3, 1), date_to=D(2026, 4, 30))
    assert stats.statistics_for(national, spring, suppress=False).figures()["incidents"] == 2


def change_everything(world) -> None:
    """Edits, a lead transfer, a merge, a correction of a past year, an incident deleted."""
    first, second, third = world.cases[0], world.cases[1], world.cases[2]
    first.return_mode, first.is_child = ReturnMode.RESCUED, False
    first.save()
    person = Person.objects.get(pk=second.person_id)
    person.sex = Sex.MALE
    person.save()
    do_transfer_lead(third, world.police_hn, reason="chuyển chủ trì", actor=acting(world.worker))
    # A merge marks the absorbed case (decision 194): the survivor is counted, once.
    absorbed = Case.objects.get(pk=world.april.pk)
    absorbed.merged_into = first
    absorbed.save(update_fields=["merged_into", "updated_at"])
    # The 2025 victim was in fact received in Hà Nội in 2024 and identified then.
    old = Case.objects.get(pk=world.old.pk)
    old.received_at = datetime.datetime(2024, 8, 20, 2, 0, tzinfo=datetime.UTC)
    old.identified_on = D(2024, 9, 1)
    old.reception_province = Province.objects.get(code="HN")
    old.save()
    world.cases[3].status = "closed"
    world.cases[3].save()
    world.incident_b.delete()


def test_the_rollups_follow_every_change_marked_and_then_folded_in(spread, settings):
    change_everything(spread)
    assert RollupMark.objects.exists()
    # Marked, not folded in: the marked months are counted live.
    assert_rollups_match_live(spread, settings)
    assert rollups.flush() > 0
    assert not RollupMark.objects.exists()
    # Folded in: the rollups alone, and they are what a rebuild makes.
    assert_rollups_match_live(spread, settings)
    folded = table()
    call_command("recompute_rollups")
    assert table() == folded


def test_a_rollup_that_differs_from_the_cases_is_caught(spread, settings):
    CaseRollup.objects.filter(month=D(2026, 3, 1)).update(**{rollups.COLUMNS["sex.female"]: 0})
    with pytest.raises(AssertionError):
        assert_rollups_match_live(spread, settings)


def test_recompute_rebuilds_one_province_from_a_month(spread, settings):
    hanoi = Province.objects.get(code="HN")
    CaseRollup.objects.filter(province=hanoi).update(**{rollups.COLUMNS["received"]: 99})
    call_command("recompute_rollups", "--province", hanoi.code, "--since", "2026-04")
    assert set(CaseRollup.objects.filter(province=hanoi).values_list(rollups.COLUMNS["received"], flat=True)) == {
        1,
        99,
    }
    call_command("recompute_rollups", "--province", str(hanoi.pk))
    assert_rollups_match_live(spread, settings)


def test_recompute_marks_folds_what_is_marked_as_beat_would(spread, settings):
    """`--marks` is the beat's fold run by hand (the bench runs no beat)."""
    rebuilt = table()
    change_everything(spread)
    assert RollupMark.objects.exists() and table() == rebuilt  # marked, not yet folded
    output = io.StringIO()
    call_command("recompute_rollups", "--marks", stdout=output)
    assert "provinces folded" in output.getvalue()
    assert not RollupMark.objects.exists()
    assert table() != rebuilt
    assert_rollups_match_live(spread, settings)
    folded = table()
    call_command("recompute_rollups")
    assert table() == folded


@pytest.mark.parametrize(
    "arguments", [["--province", "XX"], ["--since", "2026-13"], ["--since", "soon"], ["--marks", "--since", "2026-01"]]
)
def test_recompute_refuses_bad_arguments(arguments, db):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("recompute_rollups", *arguments)


def test_a_case_saved_marks_its_old_and_new_months(spread):
    case = Case.objects.get(pk=spread.old.pk)
    case.received_at = datetime.datetime(2024, 1, 5, tzinfo=datetime.UTC)
    case.save()
    marked = set(RollupMark.objects.filter(province_id__isnull=False).values_list("month", flat=True))
    assert {D(2025, 6, 1), D(2024, 1, 1)} <= marked


def test_too_many_marks_fall_back_to_live(spread, settings):
    RollupMark.objects.bulk_create(
        [RollupMark(province_id=spread.police.province_id, month=D(2000, 1, 1))] * (rollups.MAX_STALE_PAIRS + 1)
    )
    national = Scope(level=StatisticsScope.NATIONAL, agency=spread.social)
    assert rollups.totals(national, Filters()) is None
    assert stats.statistics_for(national, Filters(), suppress=False).figures()["received"] == 11


def test_a_save_of_deadline_columns_moves_no_figure(spread, django_capture_on_commit_callbacks):
    from dashboards import cache

    before = cache._generation(cache.NATIONAL)
    case = Case.objects.get(pk=spread.cases[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        case.save(update_fields=["due_at", "overdue_flagged_at", "updated_at"])
    assert not RollupMark.objects.exists()
    assert cache._generation(cache.NATIONAL) == before
    with django_capture_on_commit_callbacks(execute=True):
        case.save(update_fields=["return_mode", "updated_at"])
    assert cache._generation(cache.NATIONAL) > before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_whole_rebuild_has_room_to_hash_its_subqueries(monkeypatch):
    """Decision 301: at 1 M cases the default work_mem made the rebuild's `IN (subquery)`
    conditions rescan per case (hours); the rebuild's transaction gets 256 MB, the pages do not."""
    from django.db import connection

    def show() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            return cursor.fetchone()[0]

    seen = []
    monkeypatch.setattr(rollups, "_rebuild", lambda *args: seen.append(show()) or 0)
    rollups.recompute()
    assert seen == ["256MB"]
    assert show() != "256MB"
