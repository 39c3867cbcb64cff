"""docs/domain.md §5 as tests: every row of the eligibility table, the regime by identification
date, rates across 2024-07-01 and per province, and the 120-day cap with its extension."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from casework.actions import do_record_identification
from casework.models import Case, Country, LegalRegime, Person, PersonStatus, Province
from support.entitlements import entitlements, rate, regime_of, standard_level
from support.models import ItemRate, StandardLevel, SupportItem
from tests.fixtures.personas import acting, make_case

pytestmark = pytest.mark.django_db

L53_ALL = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k"]


def a_case(world, *, status, regime=LegalRegime.LAW_2024, nationality="VN", stateless=False, abroad=False, poor=None):
    received = timezone.make_aware(datetime.datetime(2025, 6, 1, 9, 0))
    case = make_case(
        world.police,
        acting(world.owner),
        # An accompanying under-18 is a child at reception (art. 37(2); decision 210).
        birth_year=2015 if status == PersonStatus.ACCOMPANYING_CHILD else 1999,
        person_status=status,
        legal_regime=regime,
        abroad=abroad,
        received_at=received,
    )
    Person.objects.filter(pk=case.person_id).update(
        nationality=Country.objects.get(alpha2=nationality) if nationality else None,
        stateless_resident=stateless,
        poor_household=poor,
    )
    return Case.objects.select_related("person__nationality").get(pk=case.pk)


def points(found) -> list[str]:
    return [entitlement.item.point for entitlement in found]


@pytest.mark.parametrize(
    ("status", "nationality", "stateless", "abroad", "expected", "case_by_case"),
    [
        (PersonStatus.VICTIM, "VN", False, False, L53_ALL, False),
        (PersonStatus.VICTIM, None, True, False, L53_ALL, False),
        (PersonStatus.VICTIM, "VN", False, True, L53_ALL, False),
        (PersonStatus.ACCOMPANYING_CHILD, "VN", False, False, ["a", "b", "c", "d", "đ", "e", "g", "h"], False),
        (PersonStatus.IN_IDENTIFICATION, "VN", False, True, ["a", "b", "c", "d"], False),
        (PersonStatus.IN_IDENTIFICATION, "VN", False, False, ["a", "b", "c", "d", "đ", "e", "g"], False),
        (PersonStatus.IN_IDENTIFICATION, None, True, False, ["a", "b", "c", "d", "đ", "e", "g"], False),
        (PersonStatus.VICTIM, "CN", False, False, ["a", "b", "c", "d", "đ", "g"], True),
        (PersonStatus.IN_IDENTIFICATION, "LA", False, False, ["a", "b", "c", "d", "đ", "g"], True),
        (PersonStatus.NOT_VICTIM, "VN", False, False, [], False),
        (PersonStatus.VICTIM, None, False, False, [], False),
    ],
    ids=[
        "victim-vn",
        "victim-stateless",
        "victim-vn-abroad",
        "accompanying-child",
        "in-identification-abroad",
        "in-identification-in-vn",
        "in-identification-stateless",
        "foreign-victim",
        "foreign-in-identification",
        "not-a-victim",
        "nationality-not-recorded",
    ],
)
def test_law_2024_eligibility_table(world, status, nationality, stateless, abroad, expected, case_by_case):
    case = a_case(world, status=status, nationality=nationality, stateless=stateless, abroad=abroad)
    found = entitlements(case)
    assert points(found) == expected
    assert all(entitlement.case_by_case == case_by_case for entitlement in found)


def test_a_child_with_a_person_in_identification_is_owed_what_she_is(world):
    mother = a_case(world, status=PersonStatus.IN_IDENTIFICATION, abroad=True)
    child = a_case(world, status=PersonStatus.ACCOMPANYING_CHILD)
    Case.objects.filter(pk=child.pk).update(accompanies=mother)
    child.refresh_from_db()
    assert points(entitlements(child)) == ["a", "b", "c", "d"]


# Law 66/2011 art. 32: legal aid and loans for Vietnamese victims (issue 14).
L66 = ["l66-legal-aid", "l66-loans"]


@pytest.mark.parametrize(
    ("status", "nationality", "poor", "expected"),
    [
        (
            PersonStatus.VICTIM,
            "VN",
            True,
            ["d09-meals", "d09-kit", "d09-travel", "d09-medical", "d09-education", "d09-vocational", "d09-hardship"]
            + L66,
        ),
        (
            PersonStatus.VICTIM,
            "VN",
            False,
            ["d09-meals", "d09-kit", "d09-travel", "d09-medical", "d09-vocational"] + L66,
        ),
        (
            PersonStatus.VICTIM,
            "VN",
            None,
            ["d09-meals", "d09-kit", "d09-travel", "d09-medical", "d09-vocational"] + L66,
        ),
        (PersonStatus.VICTIM, "CN", True, ["d09-meals", "d09-kit", "d09-travel", "d09-medical"]),
        (PersonStatus.IN_IDENTIFICATION, "VN", True, ["d09-meals", "d09-kit", "d09-travel", "d09-medical"]),
        (PersonStatus.ACCOMPANYING_CHILD, "VN", True, ["d09-meals", "d09-kit", "d09-travel", "d09-medical"]),
    ],
    ids=["poor-victim", "victim", "household-unknown", "foreign-victim", "awaiting-verification", "accompanying-minor"],
)
def test_law_2011_eligibility(world, status, nationality, poor, expected):
    case = a_case(world, status=status, regime=LegalRegime.LAW_2011, nationality=nationality, poor=poor)
    assert [entitlement.item.code for entitlement in entitlements(case)] == expected


def test_each_entitlement_says_why_in_words(world):
    case = a_case(world, status=PersonStatus.VICTIM)
    with translation.override("en"):
        reason = entitlements(case)[0].reason
    assert "a victim who is a Vietnamese citizen or a stateless resident" in reason
    assert "Law 53/2024" in reason and "point a" in reason and "Điều 37" in reason
    with translation.override("vi"):
        assert "nạn nhân là công dân Việt Nam" in entitlements(case)[0].reason


@pytest.mark.parametrize(
    ("identified_on", "regime", "first_item"),
    [
        (datetime.date(2025, 6, 30), LegalRegime.LAW_2011, "d09-meals"),
        (datetime.date(2025, 7, 1), LegalRegime.LAW_2024, "l53-a"),
    ],
)
def test_the_regime_follows_the_identification_date(world, identified_on, regime, first_item):
    case = a_case(world, status=PersonStatus.IN_IDENTIFICATION, regime="")
    case.status = "identifying"
    Case.objects.filter(pk=case.pk).update(status="identifying")
    do_record_identification(
        case,
        is_victim=True,
        identified_on=identified_on,
        authority="Công an tỉnh",
        document="1/XN",
        reason="Đủ căn cứ",
        actor=acting(world.owner),
    )
    case = Case.objects.select_related("person__nationality").get(pk=case.pk)
    assert regime_of(case) == regime
    assert entitlements(case)[0].item.code == first_item


def test_before_identification_the_regime_is_that_of_today(world):
    case = a_case(world, status=PersonStatus.IN_IDENTIFICATION, regime="")
    assert regime_of(case, datetime.date(2026, 1, 5)) == LegalRegime.LAW_2024


def test_the_standard_level_changes_on_1_july_2024(world):
    assert standard_level(None, datetime.date(2024, 6, 30)) == 360_000
    assert standard_level(None, datetime.date(2024, 7, 1)) == 500_000
    assert standard_level(None, datetime.date(2021, 6, 30)) is None


def test_a_province_may_set_a_higher_level(world):
    hanoi, laocai = Province.objects.get(code="HN"), Province.objects.get(code="LCA")
    StandardLevel.objects.create(province=hanoi, effective_from="2024-07-01", amount_vnd=550_000, legal_basis="NQ HĐND")
    assert standard_level(hanoi, datetime.date(2024, 7, 1)) == 550_000
    assert standard_level(hanoi, datetime.date(2024, 6, 30)) == 360_000
    assert standard_level(laocai, datetime.date(2024, 7, 1)) == 500_000


def test_rates_are_date_effective_per_province_and_never_invented(world):
    hanoi = Province.objects.get(code="HN")
    hardship = SupportItem.objects.get(code="l53-k")
    meals = SupportItem.objects.get(code="l53-a")
    medical = SupportItem.objects.get(code="l53-b")
    assert rate(hardship, hanoi, datetime.date(2025, 8, 1)) is None  # unverified: shipped empty
    assert not ItemRate.objects.exists()
    ItemRate.objects.create(item=hardship, effective_from="2024-01-01", coefficient=Decimal("1.5"), legal_basis="x")
    assert rate(hardship, hanoi, datetime.date(2024, 6, 30)) == 540_000
    assert rate(hardship, hanoi, datetime.date(2024, 7, 1)) == 750_000
    ItemRate.objects.create(item=meals, province=hanoi, effective_from="2025-07-01", amount_vnd=70_000, legal_basis="x")
    assert rate(meals, hanoi, datetime.date(2025, 7, 1)) == 70_000
    assert rate(meals, Province.objects.get(code="LCA"), datetime.date(2025, 7, 1)) is None
    assert rate(medical, hanoi, datetime.date(2025, 7, 1)) is None  # in kind


def test_an_administrator_fills_a_rate_in_the_admin(reference_data):
    from django.urls import reverse

    from casework.models import User
    from tests.fixtures.personas import sign_in

    client = sign_in(User.objects.create_superuser("root", password="x-not-used-9"))
    items = client.get(reverse("admin:support_supportitem_changelist"))
    assert items.status_code == 200 and b"l53-k" in items.content
    item = SupportItem.objects.get(code="l53-k")
    page = client.get(reverse("admin:support_supportitem_change", args=[item.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:support_standardlevel_changelist")).status_code == 200


def test_a_companion_corrected_to_an_adult_is_owed_nothing_and_back_to_a_child_is_owed_a_to_h(world):
    """Art. 37(2) is for under-18s: the birth year decides, and a correction moves the plan."""
    from casework.actions import age_facts

    child = a_case(world, status=PersonStatus.ACCOMPANYING_CHILD)
    assert points(entitlements(child)) == ["a", "b", "c", "d", "đ", "e", "g", "h"]
    for birth_year, expected in ((1990, []), (2012, ["a", "b", "c", "d", "đ", "e", "g", "h"])):
        Person.objects.filter(pk=child.person_id).update(birth_year=birth_year)
        child = Case.objects.select_related("person__nationality").get(pk=child.pk)
        child.age_at_reception, child.is_child = age_facts(child.person, child.received_at)
        child.save(update_fields=["age_at_reception", "is_child"])
        assert points(entitlements(child)) == expected
    # An age nobody knows keeps a child's entitlements.
    Person.objects.filter(pk=child.person_id).update(birth_year=None)
    Case.objects.filter(pk=child.pk).update(age_at_reception=None, is_child=False)
    child = Case.objects.select_related("person__nationality").get(pk=child.pk)
    assert points(entitlements(child)) == ["a", "b", "c", "d", "đ", "e", "g", "h"]
