"""`seed_scale`: a small national dataset whose rows are the ones the actions would write."""

import datetime
import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min
from django.test import Client
from django.utils import timezone

from casework import actions, object_permissions
from casework.access import changeable_cases, visible_cases
from casework.lib.text import normalize_name
from casework.models import (
    CHANGE_PERMISSION,
    CLASS_PERMISSIONS,
    Agency,
    AgencyKind,
    Case,
    CaseEvent,
    CaseGrant,
    CaseGroupObjectPermission,
    CaseLead,
    CaseStatus,
    CaseUserObjectPermission,
    Consent,
    Incident,
    Membership,
    Offender,
    Person,
    Province,
    ReferenceCounter,
    StatisticsScope,
    User,
)
from referrals.access import inbox_referrals
from referrals.models import HandoverMinutes, Referral, ReferralPurpose, ReferralStatus
from shelters.models import Stay
from support.models import Claim, Payment
from tests.fixtures.personas import acting

VICTIMS = 400
PASSWORD = "caunoi-demo-2026"
PERSONAS = ["scale.canbo", "scale.admin", "scale.giamsat.tinh", "scale.giamsat.quocgia", "scale.nhanvien"]


@pytest.fixture
def scale_data(reference_data):
    output = StringIO()
    call_command("seed_scale", victims=VICTIMS, stdout=output)
    return output.getvalue()


def guardian_rows(case: Case) -> tuple[set, set]:
    groups = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list("group_id", "permission__codename")
    )
    users = set(
        CaseUserObjectPermission.objects.filter(content_object=case).values_list("user_id", "permission__codename")
    )
    return groups, users


def test_the_dataset_has_the_shape_of_the_national_figures(scale_data):
    assert Person.objects.count() == Case.objects.count() == VICTIMS
    assert 2_900 <= User.objects.count() <= 3_100
    assert Membership.objects.filter(is_active=True).count() == User.objects.count()
    provinces_with_agencies = Province.objects.filter(agencies__code__startswith="sc-").distinct().count()
    assert provinces_with_agencies == Province.objects.count() == 34
    assert set(Agency.objects.values_list("kind__code", flat=True)) == set(
        AgencyKind.objects.values_list("code", flat=True)
    )
    for model in (Incident, Offender, Consent, Claim, Payment, Stay, HandoverMinutes):
        assert model.objects.exists(), model.__name__
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert set(Case.objects.values_list("status", flat=True)) >= {
        CaseStatus.IDENTIFYING,
        CaseStatus.IDENTIFIED,
        CaseStatus.REINTEGRATING,
        CaseStatus.CLOSED,
    }

    cases = Case.objects.select_related("person", "destination_country")
    women_and_children = sum(case.person.sex == "female" or case.is_child for case in cases)
    abroad = sum(case.destination_country.alpha2 != "VN" for case in cases)
    assert women_and_children / VICTIMS >= 0.9
    assert 0.9 <= abroad / VICTIMS <= 0.99
    destinations = Counter(case.destination_country.alpha2 for case in cases)
    assert {code for code, _n in destinations.most_common(3)} == {"CN", "KH", "LA"}
    oldest = Case.objects.aggregate(first=Min("received_at"))["first"]
    assert timezone.now() - oldest > datetime.timedelta(days=4 * 365)

    incident_sizes = Incident.objects.annotate(n=Count("cases")).values_list("n", flat=True)
    assert min(incident_sizes) >= 1 and max(incident_sizes) <= 5
    events = Case.objects.annotate(n=Count("events")).aggregate(low=Min("n"), high=Max("n"))
    per_case = CaseEvent.objects.count() / VICTIMS
    # Registration alone writes 5–7 events (created, four role grants, the assignment).
    assert events["low"] >= 5
    assert 10 <= per_case <= 30


def test_cases_hold_what_the_app_computes(scale_data):
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(set(references)) == VICTIMS
    assert all(re.fullmatch(r"[A-Z]{2,3}-\d{4}-\d{6}", reference) for reference in references)
    # The next reference a province allocates does not collide with a seeded one.
    counter = ReferenceCounter.objects.order_by("-last").first()
    assert actions.allocate_reference(counter.province, counter.year) not in references

    for case in Case.objects.select_related("person").order_by("pk")[::7]:
        person = case.person
        assert person.search_name == normalize_name(f"{person.full_name} {person.other_names}")
        assert person.name_key == normalize_name(person.full_name)
        age = person.age_on(timezone.localdate(case.received_at))
        assert case.age_at_reception == age
        assert case.is_child == (age is not None and age < actions.ADULT_AGE)
        assert case.status_changed_at <= timezone.now() and case.created_at >= case.received_at
        if case.status == CaseStatus.REPORTED:
            assert case.due_at == case.received_at + datetime.timedelta(hours=72)
        if case.status == CaseStatus.IDENTIFIED:
            assert case.legal_regime == actions.legal_regime_for(case.identified_on)
        first = case.events.order_by("at", "pk").first()
        assert first.kind == CaseEvent.Kind.CREATED and first.new_status == CaseStatus.REPORTED
    assert Person.objects.filter(search_name__contains="dang").exists()
    current = Stay.objects.filter(discharged_at__isnull=True).select_related("bed")
    assert all(stay.bed.occupied_by_id == stay.case_id for stay in current)
    assert not Stay.objects.filter(admission_recorded_at__isnull=True).exists()
    # The chain of responsibility (issue 14): one open lead period per case, held by its owner.
    leads = dict(CaseLead.objects.filter(ended_at__isnull=True).values_list("case_id", "agency_id"))
    assert leads == dict(Case.objects.values_list("pk", "owning_agency_id"))
    assert CaseLead.objects.count() == VICTIMS
    decided = Case.objects.filter(person_status__in=["victim", "not_victim"]).exclude(person_status="")
    assert decided.exists() and not decided.filter(identification_agency__isnull=True).exists()
    assert not CaseEvent.objects.filter(recorded_at__isnull=True).exists()
    assert CaseGrant.objects.filter(source="referral").exclude(purpose="").exists()


def test_guardian_rows_are_what_the_grants_give(scale_data):
    """For a sample of cases, the app's own `sync_holder_permissions` finds nothing to change."""
    sample = list(Case.objects.order_by("pk")[::12])
    sample += list(Case.objects.filter(grants__revoked_at__isnull=False).distinct()[:12])
    sample += list(Case.objects.filter(grants__source=CaseGrant.Source.CLAIM).distinct()[:6])
    for case in sample:
        before = guardian_rows(case)
        expected_groups, expected_users = set(), set()
        for grant in case.grants.filter(revoked_at__isnull=True):
            codenames = {CLASS_PERMISSIONS[value] for value in grant.classes}
            codenames |= {CHANGE_PERMISSION} if grant.can_change else set()
            holder = expected_groups if grant.group_id else expected_users
            holder |= {(grant.group_id or grant.user_id, codename) for codename in codenames}
        assert before == (expected_groups, expected_users)
        holders = set(case.grants.values_list("group_id", "user_id"))
        for group_id, user_id in holders:
            object_permissions.sync_holder_permissions(case, group_id=group_id, user_id=user_id)
        assert guardian_rows(case) == before


def test_the_persona_contract(scale_data):
    for username in PERSONAS:
        user = User.objects.get(username=username)
        assert user.memberships.filter(is_active=True).count() == 1
        assert authenticate(username=username, password=PASSWORD) == user
        client = Client()
        response = client.post("/sign-in/", {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.9.0.1")
        assert response.status_code == 302
        assert client.get("/").status_code == 200
        assert visible_cases(acting(user)).exists(), username

    canbo = acting(User.objects.get(username="scale.canbo"))
    police = canbo.active_membership.agency
    busiest = Case.objects.values("owning_agency").annotate(n=Count("pk")).order_by("-n").first()
    assert busiest["owning_agency"] == police.pk and police.kind.code == "police"
    assert changeable_cases(canbo).filter(assigned_to=canbo).exclude(status=CaseStatus.CLOSED).exists()
    admin = User.objects.get(username="scale.admin").memberships.get()
    assert admin.agency == police and admin.role == "agency_admin"

    supervisor = User.objects.get(username="scale.giamsat.tinh").memberships.get()
    busiest_province = (
        Case.objects.values("reception_province").annotate(n=Count("pk")).order_by("-n").first()["reception_province"]
    )
    assert supervisor.agency.statistics_scope == StatisticsScope.PROVINCE
    assert supervisor.agency.province_id == busiest_province
    national = User.objects.get(username="scale.giamsat.quocgia").memberships.get()
    assert national.agency.statistics_scope == StatisticsScope.NATIONAL and national.role == "supervisor"

    staff = acting(User.objects.get(username="scale.nhanvien"))
    assert staff.active_membership.role == "shelter_staff"
    assert inbox_referrals(staff).filter(status=ReferralStatus.SENT).count() >= 3
    facility = staff.active_membership.agency.facility
    assert Stay.objects.filter(facility=facility, discharged_at__isnull=True).exists()


def test_refuses_to_seed_twice_or_in_production_and_reset_builds_again(reference_data, settings):
    call_command("seed_scale", victims=50, stdout=StringIO())
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_scale", victims=50, stdout=StringIO())
    first = set(Case.objects.values_list("reference", flat=True))
    lead_kinds = _lead_kinds()
    assert lead_kinds
    call_command("seed_scale", victims=60, reset=True, stdout=StringIO())
    assert Case.objects.count() == 60
    # The reset keeps the reference data, the purposes' lead receivers among it.
    assert _lead_kinds() == lead_kinds
    assert User.objects.filter(username="scale.canbo").count() == 1
    assert set(Case.objects.values_list("reference", flat=True)) != first
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_scale", victims=50, reset=True, stdout=StringIO())


def _lead_kinds() -> set[tuple[str, str]]:
    return set(
        ReferralPurpose.lead_receiver_kinds.through.objects.values_list("referralpurpose__code", "agencykind__code")
    )
