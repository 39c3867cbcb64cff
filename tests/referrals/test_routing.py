"""Routing rules (docs/responsibility.md): table-driven over the regulation's rules, shelters chosen by
free bed, sex, age and distance, idempotence (QUALITY R2) and supervisor override."""

import datetime

import pytest
from django.utils import timezone

from casework import actions as case_actions
from casework.models import AuditEvent, Case, CaseEvent, CaseGrant, Consent, Person, Province, Role, Sex
from casework.models.cases import CameToNotice
from messaging import outbox
from messaging.models import OutboxMessage
from referrals import routing
from referrals.actions import do_accept_referral, do_acknowledge_referral, do_redirect_referral
from referrals.models import Referral, ReferralStatus, RoutingDecision
from shelters.models import Bed, Facility, FacilityKind
from tests.fixtures.personas import acting, make_agency, make_user

pytestmark = pytest.mark.django_db


def make_facility(code, province, *, women=True, men=False, children=False, beds=1, kind=FacilityKind.PEACE_HOUSE):
    agency = make_agency(code, "womens_union" if kind == FacilityKind.PEACE_HOUSE else "social_protection", province)
    facility = Facility.objects.create(
        code=code,
        name=f"Nhà {code}",
        name_en=f"House {code}",
        kind=kind,
        agency=agency,
        province=Province.objects.get(code=province),
        takes_women=women,
        takes_men=men,
        takes_children=children,
    )
    for number in range(beds):
        Bed.objects.create(facility=facility, room="A", label=str(number + 1))
    return facility


@pytest.fixture
def grid(world):
    """Agencies of every kind the rules name, in Lào Cai (LCA) and Hà Nội (HN), and shelters."""
    world.commune = make_agency("r-commune", "commune", "LCA")
    world.commune_worker = make_user("commune.worker", world.commune, Role.CASEWORKER)
    world.border = make_agency("r-border", "border_guard", "LCA")
    world.border_worker = make_user("border.worker", world.border, Role.CASEWORKER)
    world.border_supervisor = make_user("border.supervisor", world.border, Role.SUPERVISOR)
    world.social = make_agency("r-social-lca", "social_protection", "LCA")
    world.social_worker = make_user("social.lca", world.social, Role.CASEWORKER)
    world.social_supervisor = make_user("social.lca.sup", world.social, Role.SUPERVISOR)
    world.social_hn = make_agency("r-social-hn", "social_protection", "HN")
    world.social_hcm = make_agency("r-social-hcm", "social_protection", "HCM")
    world.police_lca = world.owner.memberships.get().agency
    # Shelters: a women's house at home (LCA), one in Hà Nội, a children's house in Phú Thọ,
    # a men's shelter in Hồ Chí Minh City.
    world.house_lca = make_facility("f-lca", "LCA")
    world.house_hn = make_facility("f-hn", "HN", beds=3)
    world.house_children = make_facility("f-pt-children", "PT", women=False, children=True)
    world.house_men = make_facility("f-hcm-men", "HCM", women=False, men=True, kind=FacilityKind.SOCIAL_ASSISTANCE)
    return world


def new_case(agency, actor, *, notice=CameToNotice.SELF_REPORT, sex=Sex.FEMALE, birth_year=1998, home="LCA"):
    person = Person(
        full_name="Lò Thị Hoa",
        sex=sex,
        birth_year=birth_year,
        home_province=Province.objects.get(code=home) if home else None,
    )
    case = Case(
        came_to_notice=notice,
        received_at=timezone.now() - datetime.timedelta(hours=3),
        reception_province=Province.objects.get(code="LCA"),
    )
    return case_actions.do_create_case(person=person, case=case, actor=acting(actor), agency=agency)


def routed(case):
    return sorted(
        (referral.purpose.code, referral.to_agency.code)
        for referral in Referral.objects.filter(case=case).select_related("purpose", "to_agency")
    )


# (who receives the person, how the person came to notice, home province) → referrals sent.
# Received in Lào Cai; no commune of reception recorded (tests/referrals/test_reception_chain.py
# covers the commune). Returns go to the province of reception (Law 53 art. 30(1)(b)); what the
# police, border guard and coast guard meet goes to the social agency at once (art. 27).
FIRST_STEP = [
    ("commune_worker", CameToNotice.SELF_REPORT, "LCA", [("protection_support", "r-social-lca")]),
    ("commune_worker", CameToNotice.HOTLINE, "HN", [("protection_support", "r-social-lca")]),
    ("social_worker", CameToNotice.SELF_REPORT, "LCA", [("verification", "t-police")]),
    ("border_worker", CameToNotice.BORDER_HANDOVER, "HN", [("repatriation_reception", "r-social-lca")]),
    ("border_worker", CameToNotice.BORDER_HANDOVER, None, [("repatriation_reception", "r-social-lca")]),
    ("owner", CameToNotice.MISSION_RETURN, "HCM", [("repatriation_reception", "r-social-lca")]),
    ("owner", CameToNotice.RESCUE, "LCA", [("protection_support", "r-social-lca")]),
    ("border_worker", CameToNotice.SELF_REPORT, "LCA", [("protection_support", "r-social-lca")]),
]


@pytest.mark.parametrize(("receiver", "notice", "home", "expected"), FIRST_STEP)
def test_first_routing_follows_the_regulation(grid, receiver, notice, home, expected):
    user = getattr(grid, receiver)
    case = new_case(user.memberships.get().agency, user, notice=notice, home=home)
    sent = routing.route_case(case.pk)
    assert routed(case) == expected
    assert len(sent) == len(expected)
    for referral in sent:
        assert referral.status == ReferralStatus.SENT
        assert referral.routing_rule is not None
        assert referral.sent_by.username == routing.SYSTEM_USERNAME
        assert referral.due_at is not None


def test_the_routing_account_cannot_sign_in(grid):
    user = routing.routing_user()
    assert not user.is_active and not user.has_usable_password()
    assert not user.memberships.exists()


def accept(referral, user):
    do_acknowledge_referral(referral, actor=acting(user))
    return do_accept_referral(referral, actor=acting(user))


def consent_to_shelter(case, user):
    case_actions.do_record_consent(
        case,
        Consent(
            given_by=Consent.GivenBy.PERSON,
            classes=["core", "identity", "health", "shelter"],
            agency_kind=grid_kind("womens_union"),
            purpose="Tạm lánh",
            given_on=timezone.localdate(),
        ),
        actor=acting(user),
    )


def grid_kind(code):
    from casework.models import AgencyKind

    return AgencyKind.objects.get(code=code)


def test_after_acceptance_the_receiver_asks_police_and_waits_for_consent_to_place(grid):
    case = new_case(grid.commune, grid.commune_worker)
    (protection,) = routing.route_case(case.pk)
    accept(protection, grid.social_worker)
    sent = routing.route_case(case.pk)
    assert [(r.purpose.code, r.from_agency.code, r.to_agency.code) for r in sent] == [
        ("verification", "r-social-lca", "t-police")
    ]
    placement = RoutingDecision.objects.get(case=case, rule__code="shelter-after-protection")
    assert placement.outcome == RoutingDecision.Outcome.WAITING_CONSENT
    assert not Referral.objects.filter(case=case, purpose__code="shelter_placement").exists()

    consent_to_shelter(case, grid.social_worker)
    (shelter,) = routing.route_case(case.pk)
    assert (shelter.purpose.code, shelter.from_agency, shelter.to_agency) == (
        "shelter_placement",
        grid.social,
        grid.house_lca.agency,
    )
    placement.refresh_from_db()
    assert placement.outcome == RoutingDecision.Outcome.REFERRED and placement.attempts == 2
    assert placement.referral == shelter


def placed_with(grid, **person):
    case = new_case(grid.border, grid.border_worker, notice=CameToNotice.BORDER_HANDOVER, **person)
    (reception,) = routing.route_case(case.pk)
    accept(reception, grid.social_worker)
    consent = Consent(
        given_by=Consent.GivenBy.PERSON,
        classes=["core", "identity", "health", "shelter"],
        purpose="Tạm lánh",
        given_on=timezone.localdate(),
    )
    case_actions.do_record_consent(case, consent, actor=acting(grid.social_worker))
    sent = routing.route_case(case.pk)
    return [referral.to_agency.facility.code for referral in sent if referral.purpose.code == "shelter_placement"]


@pytest.mark.parametrize(
    ("person", "full", "expected"),
    [
        ({}, [], ["f-lca"]),  # a woman from Lào Cai: the house at home
        ({}, ["f-lca"], ["f-hn"]),  # no free bed at home: the next nearest
        ({"birth_year": timezone.now().year - 15}, [], ["f-pt-children"]),  # a child: only a children's house
        ({"sex": Sex.MALE}, [], ["f-hcm-men"]),  # a man: only a house that takes men
        ({"sex": Sex.MALE}, ["f-hcm-men"], []),  # no bed anywhere for him: nothing sent yet
    ],
)
def test_shelter_routing_takes_free_bed_sex_age_and_distance(grid, person, full, expected):
    for code in full:
        Bed.objects.filter(facility__code=code).update(
            held_until=timezone.now() + datetime.timedelta(hours=6), held_for=Case.objects.first()
        )
    assert placed_with(grid, **person) == expected
    if not expected:
        decision = RoutingDecision.objects.get(rule__code="shelter-after-repatriation", case__person__sex=Sex.MALE)
        assert decision.outcome == RoutingDecision.Outcome.NO_TARGET


def test_an_expired_hold_frees_the_bed(grid):
    Bed.objects.filter(facility__code="f-lca").update(held_until=timezone.now() - datetime.timedelta(minutes=1))
    assert placed_with(grid) == ["f-lca"]


def test_rules_do_not_duplicate_work_already_referred_by_hand(grid):
    case = new_case(grid.commune, grid.commune_worker)
    from referrals.actions import do_send_referral
    from referrals.models import ReferralPurpose

    do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=grid.social_hn,
        from_agency=grid.commune,
        actor=acting(grid.commune_worker),
    )
    assert routing.route_case(case.pk) == []
    decision = RoutingDecision.objects.get(case=case, rule__code="commune-notifies-social-protection")
    assert decision.outcome == RoutingDecision.Outcome.ALREADY_REFERRED
    assert routed(case) == [("protection_support", "r-social-hn")]


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Referral, RoutingDecision, CaseEvent, AuditEvent, CaseGrant)
    } | {"decisions": sorted(RoutingDecision.objects.values_list("case_id", "rule_id", "outcome", "referral_id"))}


def test_running_route_case_twice_leaves_the_database_as_running_it_once(grid):
    case = new_case(grid.commune, grid.commune_worker)
    routing.route_case(case.pk)
    once = snapshot()
    assert routing.route_case(case.pk) == []
    assert snapshot() == once


def test_route_case_task_twice_marks_its_outbox_row_done_once(grid):
    from referrals.tasks import route_case

    case = new_case(grid.commune, grid.commune_worker)
    message = OutboxMessage.objects.create(task="referrals.tasks.route_case", args=[case.pk])
    route_case.apply(args=[case.pk], kwargs={"outbox_id": message.pk})
    message.refresh_from_db()
    done_at, once = message.done_at, snapshot()
    route_case.apply(args=[case.pk], kwargs={"outbox_id": message.pk})
    message.refresh_from_db()
    assert message.done_at == done_at is not None
    assert snapshot() == once
    assert len(routed(case)) == 1


def test_a_closed_or_vanished_case_routes_nothing(grid):
    assert routing.route_case(987654) == []


@pytest.fixture
def tasks_here(monkeypatch):
    """Run dispatched tasks in this process even when CI configures a broker (no worker reads
    it in these tests; the real worker is in test_routing_reliability.py)."""
    from django.utils.module_loading import import_string

    monkeypatch.setattr(outbox, "dispatch", lambda task, args, kwargs: import_string(task).apply(args, kwargs))


def test_case_creation_routes_after_commit_through_the_outbox(grid, django_capture_on_commit_callbacks, tasks_here):
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case(grid.commune, grid.commune_worker)
    assert routed(case) == [("protection_support", "r-social-lca")]
    message = OutboxMessage.objects.get(task="referrals.tasks.route_case", args=[case.pk])
    assert message.done_at is not None and message.attempts == 1


def test_status_change_and_consent_enqueue_routing(grid, django_capture_on_commit_callbacks):
    case = new_case(grid.police_lca, grid.owner, notice=CameToNotice.RESCUE)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_actions.do_transition_case(case, "verifying", reason="Bắt đầu xác minh", actor=acting(grid.owner))
    publications = [callback for callback in callbacks if getattr(callback, "func", None) is outbox.publish]
    assert len(publications) == 1
    assert OutboxMessage.objects.filter(args=[case.pk]).count() == 2  # creation + status change


def test_a_failed_publication_stays_pending_for_the_relay(grid, monkeypatch, tasks_here):
    case = new_case(grid.commune, grid.commune_worker)
    message = OutboxMessage.objects.create(task="referrals.tasks.route_case", args=[case.pk])
    run_here = outbox.dispatch

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(outbox, "dispatch", broker_down)
    assert outbox.publish(message.pk) is False
    message.refresh_from_db()
    assert message.done_at is None and "unreachable" in message.last_error
    monkeypatch.setattr(outbox, "dispatch", run_here)
    OutboxMessage.objects.exclude(pk=message.pk).delete()  # the fixtures' own, never published
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert outbox.relay(later) == 1
    message.refresh_from_db()
    assert message.done_at is not None and message.attempts == 1  # the failed publish did not count
    assert routed(case) == [("protection_support", "r-social-lca")]


def test_the_relay_gives_up_after_bounded_attempts(grid):
    OutboxMessage.objects.all().delete()
    message = OutboxMessage.objects.create(task="referrals.tasks.route_case", args=[1], attempts=outbox.MAX_ATTEMPTS)
    assert outbox.relay(timezone.now() + datetime.timedelta(hours=1)) == 0
    message.refresh_from_db()
    assert message.failed_at is not None


def test_a_supervisor_overrides_a_routed_target_and_the_override_is_recorded(grid):
    case = new_case(grid.border, grid.border_worker, notice=CameToNotice.BORDER_HANDOVER, home="HN")
    (routed_referral,) = routing.route_case(case.pk)
    assert routed_referral.to_agency == grid.social
    new = do_redirect_referral(
        routed_referral,
        to_agency=grid.social_hn,
        reason="Người được bàn giao muốn về Hà Nội ngay",
        actor=acting(grid.border_supervisor),
    )
    routed_referral.refresh_from_db()
    assert routed_referral.status == ReferralStatus.CANCELLED and routed_referral.redirected_to == new
    decision = RoutingDecision.objects.get(case=case, rule__code="returned-to-reception-province")
    assert decision.referral == new and decision.overridden_by == grid.border_supervisor
    assert decision.override_reason == "Người được bàn giao muốn về Hà Nội ngay"
    assert new.routing_rule_id == decision.rule_id
    assert CaseEvent.objects.filter(case=case, reason__contains="→").exists()
    assert AuditEvent.objects.filter(case=case, detail__routing_override=routed_referral.reference).exists()
    # The rule is satisfied: routing again sends nothing back to Lào Cai.
    assert routing.route_case(case.pk) == []


def test_a_shelters_own_staff_decide_on_placements_sent_to_it(grid):
    from django.urls import reverse

    from tests.fixtures.personas import sign_in

    case = new_case(grid.commune, grid.commune_worker)
    (protection,) = routing.route_case(case.pk)
    accept(protection, grid.social_worker)
    consent_to_shelter(case, grid.social_worker)
    routing.route_case(case.pk)
    placement = Referral.objects.get(case=case, purpose__code="shelter_placement")
    house_staff = make_user("house.staff", grid.house_lca.agency, Role.SHELTER_STAFF)
    client = sign_in(house_staff)
    assert client.get(reverse("referrals:detail", args=[placement.public_id])).status_code == 200
    client.post(reverse("referrals:acknowledge", args=[placement.public_id]))
    client.post(reverse("referrals:accept", args=[placement.public_id]))
    placement.refresh_from_db()
    assert placement.status == ReferralStatus.ACCEPTED
    assert placement.grants().filter(group__agency_group__role=Role.SHELTER_STAFF, revoked_at__isnull=True).exists()
    # The "why can I see this" line names the placement once, though it granted twice.
    from casework.access import why_visible

    assert [grant.source_ref for grant in why_visible(acting(house_staff), case)] == [placement.reference]
