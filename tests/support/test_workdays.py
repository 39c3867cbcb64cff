"""Working-day deadlines: weekends off, holidays and swapped Saturdays as data, Tết."""

import datetime

import pytest

from support.models import CalendarDay
from support.workdays import add_working_days, is_working_day

pytestmark = pytest.mark.django_db

D = datetime.date


def tet_2026(*, swapped_saturday: D | None = None) -> None:
    """A Tết break for the tests, 2026-02-14 to 2026-02-22 — test data, not the official decision."""
    day = D(2026, 2, 14)
    while day <= D(2026, 2, 22):
        CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name="Tết", name_en="Tet")
        day += datetime.timedelta(days=1)
    if swapped_saturday:
        CalendarDay.objects.create(
            date=swapped_saturday, kind=CalendarDay.Kind.WORKING, name="Làm bù", name_en="Swapped day"
        )


def test_saturday_and_sunday_are_off_and_a_swapped_saturday_is_worked():
    saturday = D(2026, 3, 7)
    assert not is_working_day(saturday, {})
    assert not is_working_day(saturday + datetime.timedelta(days=1), {})
    assert is_working_day(D(2026, 3, 9), {})
    assert is_working_day(saturday, {saturday: CalendarDay.Kind.WORKING})
    assert not is_working_day(D(2026, 3, 9), {D(2026, 3, 9): CalendarDay.Kind.HOLIDAY})


def test_nine_working_days_across_a_weekend_start_the_day_after_filing():
    thursday = D(2026, 3, 5)
    assert add_working_days(thursday, 9) == D(2026, 3, 18)
    assert add_working_days(thursday, 1) == D(2026, 3, 6)
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Friday → Monday


def test_zero_days_is_the_same_day_and_negative_is_an_error():
    assert add_working_days(D(2026, 3, 5), 0) == D(2026, 3, 5)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 5), -1)


def test_the_tet_break_does_not_count():
    tet_2026()
    # Filed the Friday before Tết: the count starts on Monday 23 February.
    assert add_working_days(D(2026, 2, 13), 9) == D(2026, 3, 5)
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 23)


def test_a_swapped_working_saturday_counts():
    tet_2026(swapped_saturday=D(2026, 2, 28))
    assert add_working_days(D(2026, 2, 13), 9) == D(2026, 3, 4)


def test_a_holiday_on_a_weekday_outside_tet_is_skipped():
    CalendarDay.objects.create(date=D(2026, 4, 30), kind=CalendarDay.Kind.HOLIDAY, name="30/4", name_en="30 April")
    CalendarDay.objects.create(date=D(2026, 5, 1), kind=CalendarDay.Kind.HOLIDAY, name="1/5", name_en="1 May")
    assert add_working_days(D(2026, 4, 29), 1) == D(2026, 5, 4)


def test_the_calendar_is_read_in_one_query(django_assert_num_queries):
    tet_2026()
    with django_assert_num_queries(1):
        add_working_days(D(2026, 2, 13), 9)


def test_a_long_count_matches_whole_weeks():
    # 100 working days from a Friday are 20 whole weeks later.
    assert add_working_days(D(2026, 3, 6), 100) == D(2026, 7, 24)
