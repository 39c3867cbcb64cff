"""The shelter pages keep their privacy boundaries (docs/architecture.md, Flow A; decisions 27–35).

Each test states a rule the pages must keep and tries to break it: another facility's staff,
the owning agency's caseworker, staff whose grants were revoked or never covered identity or
health, foreign and enumerated ids, malformed input, wrong methods, missing CSRF tokens, the
htmx partials and the follow-up notices. They stay as regression tests."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone, translation

from casework.actions import (
    do_add_membership,
    do_record_identification,
    do_transition_case,
    grant_case,
    revoke_case,
)
from casework.models import AuditEvent, CaseEvent, CaseGrant, CaseStatus, Role, SensitivityClass, User
from messaging import notify
from messaging.models import Notification
from referrals.actions import do_complete_referral, do_record_handover
from referrals.followups import do_remind_followups, notify_followup_outcome
from referrals.models import Referral
from shelters import actions
from shelters.models import Bed, FollowUpOutcome, FollowUpVisit, Intake, Placement, ServiceRecord, Stay
from tests.fixtures.personas import acting, make_agency, make_user, sign_in
from tests.fixtures.referrals import make_minutes
from tests.fixtures.shelters import new_case, place, registered_by

pytestmark = pytest.mark.django_db

PERSON = "Lò Thị Mai"
REPRESENTATIVE = "Lò Văn Cường"
HOME = "thôn Nậm Cang, xã Sa Pa"
C = SensitivityClass
DENIED = AuditEvent.Action.DENIED


# Helpers ----------------------------------------------------------------------------------


def english(user):
    client = sign_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def admitted(w, name=PERSON):
    case = new_case(w.social, w.social_worker, name=name)
    place(case, w)
    return actions.do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )


def discharged(w, name=PERSON, detail=HOME):
    stay = admitted(w, name=name)
    return actions.do_discharge(
        stay,
        discharged_at=timezone.now(),
        destination=Stay.Destination.FAMILY,
        destination_detail=detail,
        reason="Về với gia đình",
        actor=acting(w.shelter_worker),
    )


def identify(case, w) -> None:
    actor = acting(w.social_worker)
    do_transition_case(case, CaseStatus.VERIFYING, reason="kiểm tra ban đầu", actor=actor)
    do_transition_case(case, CaseStatus.IDENTIFYING, reason="xác minh", actor=actor)
    do_record_identification(
        case,
        is_victim=True,
        identified_on=timezone.localdate(),
        authority="Công an tỉnh Lào Cai",
        document="12/QĐ",
        reason="lời khai",
        actor=actor,
    )


def denials(user) -> int:
    return AuditEvent.objects.filter(action=DENIED, actor=user).count()


def staff_hold_only(w, case, classes):
    """Revoke what the facility's shelter staff hold on the case and grant only `classes`."""
    group = w.facility.agency.role_groups.get(role=Role.SHELTER_STAFF).group
    for grant in CaseGrant.objects.filter(case=case, group=group, revoked_at__isnull=True):
        revoke_case(grant, actor=w.social_worker)
    if classes:
        grant_case(
            case,
            group=group,
            classes=classes,
            source=CaseGrant.Source.REFERRAL,
            source_ref="R-PROBE",
            actor=w.social_worker,
        )


def stay_urls(stay):
    code = stay.public_id
    return {
        "get": [reverse("shelters:stay", args=[code]), reverse("shelters:intake", args=[code])],
        "post": [
            reverse("shelters:stay-extend", args=[code]),
            reverse("shelters:stay-service", args=[code]),
            reverse("shelters:stay-discharge", args=[code]),
            reverse("shelters:intake-complete", args=[code]),
            reverse("shelters:intake-section", args=[code, "needs"]),
            reverse("shelters:intake-section", args=[code, "health"]),
        ],
    }


def valid_posts(w):
    today = timezone.localdate().isoformat()
    return {
        "shelters:stay-extend": {"new_end": w.in_months(5).isoformat(), "decided_by": "Giám đốc", "reason": "Còn học"},
        "shelters:stay-service": {"kind": "legal_aid", "provided_on": today, "provider": "Luật sư"},
        "shelters:stay-discharge": {
            "discharged_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "destination": "family",
            "reason": "Về nhà",
        },
    }


# Another facility, another agency: 404 and a denied row, nothing changed ----------------


def test_another_facilitys_worker_reaches_none_of_the_stays_urls(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = english(w.other_shelter_worker)
    urls = stay_urls(stay)
    before = denials(w.other_shelter_worker)
    for url in urls["get"]:
        assert client.get(url).status_code == 404
    posts = valid_posts(w)
    for url in urls["post"]:
        assert client.post(url, {"needs": ["food"], "general_health": "Yếu"}).status_code == 404
    for name, data in posts.items():
        assert client.post(reverse(name, args=[stay.public_id]), data).status_code == 404
    assert client.post(reverse("shelters:intake-section", args=[stay.public_id, "passport"])).status_code == 404
    tried = len(urls["get"]) + len(urls["post"]) + len(posts) + 1
    assert denials(w.other_shelter_worker) == before + tried
    stay.refresh_from_db()
    assert stay.is_current and stay.planned_end == w.in_months(3)
    assert not ServiceRecord.objects.exists() and not stay.extensions.exists()
    assert Intake.objects.get(stay=stay).sections == {}


def test_another_facilitys_pages_partials_admission_and_walk_in_are_404(shelter_world):
    w = shelter_world
    placement = place(new_case(w.social, w.social_worker), w)
    walk_in = registered_by(w.facility, w.shelter_worker)
    code = w.facility.code
    client = english(w.other_shelter_worker)
    before = denials(w.other_shelter_worker)
    urls = [
        reverse("shelters:facility", args=[code]),
        reverse("shelters:beds", args=[code]),
        reverse("shelters:admit", args=[code, placement.pk]),
        reverse("shelters:walk-in", args=[code, walk_in.public_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(urls[2], {"planned_end": w.in_months(2).isoformat()}).status_code == 404
    assert denials(w.other_shelter_worker) == before + len(urls) + 1
    assert not Stay.objects.exists()


def test_a_foreign_placement_id_on_ones_own_facility_is_404_and_audited(shelter_world):
    w = shelter_world
    placement = place(new_case(w.social, w.social_worker), w)
    client = english(w.other_shelter_worker)
    own = w.other_facility.code
    for pk in (placement.pk, placement.pk + 1000, 2**63 - 1):
        before = denials(w.other_shelter_worker)
        url = reverse("shelters:admit", args=[own, pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"planned_end": w.in_months(2).isoformat()}).status_code == 404
        assert denials(w.other_shelter_worker) == before + 2
    assert not Stay.objects.exists()


def test_out_of_range_ids_are_404_not_500(shelter_world):
    w = shelter_world
    client = english(w.shelter_worker)
    huge = "9" * 30
    responses = [
        client.get(f"/shelters/{w.facility.code}/admit/{huge}/"),
        client.post(f"/shelters/followups/{huge}/", {"outcome": "safe"}),
        client.post(f"/shelters/followups/{2**63}/", {"outcome": "safe"}),
    ]
    assert [response.status_code for response in responses] == [404, 404, 404]


def test_walk_in_on_a_case_of_another_facility_is_404_with_a_denied_row(shelter_world):
    w = shelter_world
    theirs = registered_by(w.other_facility, w.other_shelter_worker, name="Vàng Thị Dua")
    client = english(w.shelter_worker)
    url = reverse("shelters:walk-in", args=[w.facility.code, theirs.public_id])
    before = denials(w.shelter_worker)
    assert client.get(url).status_code == 404
    post = {"planned_end": w.in_months(2).isoformat(), "given_by": "person", "given_on": w.today.isoformat()}
    assert client.post(url, post).status_code == 404
    assert denials(w.shelter_worker) == before + 2
    assert not Stay.objects.exists()


def test_walk_in_of_a_case_placed_by_referral_is_refused_not_admitted(shelter_world):
    """The facility holds `shelter` on a referred case, but a walk-in would record a consent on
    another agency's case: refused with a 400 and a `refused` row."""
    w = shelter_world
    case = new_case(w.social, w.social_worker)
    place(case, w)
    url = reverse("shelters:walk-in", args=[w.facility.code, case.public_id])
    post = {
        "planned_end": w.in_months(2).isoformat(),
        "admitted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "given_by": "person",
        "given_on": w.today.isoformat(),
    }
    assert english(w.shelter_worker).post(url, post).status_code == 400
    assert not Stay.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, case=case).exists()


def test_the_owning_caseworker_sees_the_stay_on_the_case_page_but_not_the_facilitys_pages(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = english(w.social_worker)
    before = denials(w.social_worker)
    for url in stay_urls(stay)["get"] + [
        reverse("shelters:facility", args=[w.facility.code]),
        reverse("shelters:beds", args=[w.facility.code]),
    ]:
        assert client.get(url).status_code == 404
    assert denials(w.social_worker) == before + 4


# Follow-up visits ---------------------------------------------------------------------------


def test_a_follow_up_of_another_agency_or_an_unknown_id_is_404_and_audited(shelter_world):
    w = shelter_world
    stay = discharged(w)
    visit = FollowUpVisit.objects.get(stay=stay, months=1)
    post = {"visited_on": w.today.isoformat(), "outcome": "safe"}
    for user in (w.other_shelter_worker, w.social_worker):
        before = denials(user)
        client = english(user)
        assert client.post(reverse("shelters:followup", args=[visit.pk]), post).status_code == 404
        assert client.post(reverse("shelters:followup", args=[visit.pk + 999]), post).status_code == 404
        assert denials(user) == before + 2
    visit.refresh_from_db()
    assert visit.outcome == ""
    assert english(w.shelter_worker).get(reverse("shelters:followup", args=[visit.pk])).status_code == 405


def test_follow_up_notices_and_their_emails_name_no_one(shelter_world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = shelter_world
    make_user("s.social.supervisor", w.social, Role.SUPERVISOR)
    for user in User.objects.all():
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.vn")
    stay = discharged(w)
    visit = FollowUpVisit.objects.get(stay=stay, months=1)
    FollowUpVisit.objects.filter(pk=visit.pk).update(due_on=w.today - datetime.timedelta(days=1))
    assert do_remind_followups() >= 1
    actions.do_record_followup(
        FollowUpVisit.objects.get(pk=visit.pk),
        visited_on=w.today,
        outcome=FollowUpOutcome.AT_RISK,
        actor=acting(w.shelter_worker),
    )
    notify_followup_outcome(visit.pk)
    notices = Notification.objects.filter(kind__in=notify.FOLLOWUP_KINDS)
    assert {n.kind for n in notices} >= {Notification.Kind.FOLLOWUP_OVERDUE, Notification.Kind.FOLLOWUP_OUTCOME}
    for notice in notices:
        notify.email_notification(notice)
        for language in ("vi", "en"):
            with translation.override(language):
                text = notify.notification_text(notice)
            assert PERSON not in text and HOME not in text and "1999" not in text
        assert PERSON not in str(notice.params) and HOME not in str(notice.params)
    assert len(mail.outbox) == notices.count()
    for message in mail.outbox:
        assert PERSON not in message.subject + message.body and HOME not in message.body


# Grants revoked: the facility loses the case -------------------------------------------------


def test_a_completed_placement_leaves_the_facility_reading_only_what_it_recorded(shelter_world):
    """Decision 60: once the placement is completed the facility keeps read-only access to what
    it recorded (the stay, the intake); every change is refused ."""
    w = shelter_world
    stay = discharged(w)
    for visit in FollowUpVisit.objects.filter(stay=stay):
        actions.do_record_followup(visit, visited_on=w.today, outcome="safe", actor=acting(w.shelter_worker))
    referral = Referral.objects.get(reference=stay.placement.reference)
    do_record_handover(referral, minutes=make_minutes(), actor=acting(w.shelter_worker))
    do_complete_referral(Referral.objects.get(pk=referral.pk), actor=acting(w.shelter_worker))
    grants = CaseGrant.objects.filter(case=stay.case, group__agency_group__agency=w.facility.agency, revoked_at=None)
    assert set(grants.values_list("source", flat=True)) == {CaseGrant.Source.FORMER}
    assert not grants.filter(can_change=True).exists()
    client = english(w.shelter_worker)
    for url in stay_urls(stay)["get"]:
        assert client.get(url).status_code == 200
    services = ServiceRecord.objects.filter(stay=stay).count()
    posts = valid_posts(w)
    refused = AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.REFUSED, AuditEvent.Action.DENIED], actor=w.shelter_worker, case=stay.case
    )
    before = refused.count()
    for url in stay_urls(stay)["post"]:
        name = resolve(url).view_name
        # 403 where the section is readable, 404 where it never was theirs (health).
        assert client.post(url, posts.get(name, {})).status_code in (403, 404), url
    assert refused.count() == before + len(stay_urls(stay)["post"])
    assert ServiceRecord.objects.filter(stay=stay).count() == services


def test_revoked_grants_hide_a_current_resident_from_the_list_and_the_stay(shelter_world):
    w = shelter_world
    stay = admitted(w)
    staff_hold_only(w, stay.case, [])
    client = english(w.shelter_worker)
    page = client.get(reverse("shelters:facility", args=[w.facility.code])).content.decode()
    assert PERSON not in page and stay.case.reference not in page
    assert client.get(reverse("shelters:stay", args=[stay.public_id])).status_code == 404
    beds = client.get(reverse("shelters:beds", args=[w.facility.code])).content.decode()
    assert PERSON not in beds and stay.case.reference not in beds


def test_a_facility_worker_acting_for_another_agency_sees_nothing_of_the_facility(shelter_world):
    """Access follows the active membership (decision 2): the same person acting for the
    social-protection agency does not reach the facility's pages."""
    w = shelter_world
    stay = admitted(w)
    do_add_membership(w.shelter_worker, w.social, Role.CASEWORKER, actor=None)
    client = sign_in(w.shelter_worker, agency=w.social)
    before = denials(w.shelter_worker)
    for url in stay_urls(stay)["get"] + [reverse("shelters:facility", args=[w.facility.code])]:
        assert client.get(url).status_code == 404, url
    assert denials(w.shelter_worker) == before + 3
    assert sign_in(w.shelter_worker, agency=w.facility.agency).get(stay_urls(stay)["get"][0]).status_code == 200


# Classes held: identity and health ----------------------------------------------------------


def test_without_identity_no_name_appears_on_any_shelter_page(shelter_world):
    w = shelter_world
    Bed.objects.create(facility=w.facility, room="P2", label="G1")
    resident = admitted(w)
    awaiting = new_case(w.social, w.social_worker, name="Hà Thị Hoa")
    place(awaiting, w)
    left = discharged(w, name="Vàng Thị Dua")
    for case in (resident.case, awaiting, left.case):
        staff_hold_only(w, case, [C.CORE, C.SHELTER])
    client = english(w.shelter_worker)
    pages = [
        reverse("shelters:facility", args=[w.facility.code]),
        reverse("shelters:stay", args=[resident.public_id]),
        reverse("shelters:intake", args=[resident.public_id]),
        reverse("shelters:stay", args=[left.public_id]),
        reverse("shelters:admit", args=[w.facility.code, Placement.objects.get(case=awaiting).pk]),
        reverse("casework:case-detail", args=[resident.case.public_id]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for name in (PERSON, "Hà Thị Hoa", "Vàng Thị Dua"):
            assert name not in body, (url, name)
    facility_page = client.get(pages[0]).content.decode()
    assert resident.case.reference in facility_page and awaiting.reference in facility_page
    assert left.case.reference in facility_page
    listed = AuditEvent.objects.filter(action=AuditEvent.Action.LIST, actor=w.shelter_worker).latest("pk")
    assert C.IDENTITY not in listed.classes


def test_without_identity_the_representatives_name_is_hidden_and_kept(shelter_world):
    """The consent section (shelter class) names her legal representative: a name, identity
    class (docs/architecture.md, Flow A), as the case page already treats a consent's representative."""
    w = shelter_world
    stay = admitted(w)
    full = english(w.shelter_worker)
    consent = {"agrees": "on", "given_by": "representative", "representative_name": REPRESENTATIVE}
    consent["signed_on"] = w.today.isoformat()
    section = reverse("shelters:intake-section", args=[stay.public_id, "consent"])
    assert full.post(section, consent).status_code == 302
    staff_hold_only(w, stay.case, [C.CORE, C.SHELTER])
    intake = full.get(reverse("shelters:intake", args=[stay.public_id])).content.decode()
    assert 'id="section-consent"' in intake and REPRESENTATIVE not in intake
    # Saving the section again without the hidden field keeps the stored name.
    del consent["representative_name"]
    assert full.post(section, consent).status_code == 302
    assert Intake.objects.get(stay=stay).sections["consent"]["representative_name"] == REPRESENTATIVE
    htmx = full.post(section, {**consent, "signed_on": "not a date"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 400 and REPRESENTATIVE not in htmx.content.decode()


def test_without_identity_where_exactly_she_went_is_hidden(shelter_world):
    """ "Where exactly" she went after discharge is her new address: identity class."""
    w = shelter_world
    left = discharged(w)
    client = english(w.shelter_worker)
    url = reverse("shelters:stay", args=[left.public_id])
    assert HOME in client.get(url).content.decode()
    staff_hold_only(w, left.case, [C.CORE, C.SHELTER])
    page = client.get(url).content.decode()
    assert HOME not in page and "home to her family" in page


def test_with_identity_the_representatives_name_and_her_new_home_are_shown(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = english(w.shelter_worker)
    consent = {"agrees": "on", "given_by": "representative", "representative_name": REPRESENTATIVE}
    consent["signed_on"] = w.today.isoformat()
    assert client.post(reverse("shelters:intake-section", args=[stay.public_id, "consent"]), consent).status_code == 302
    assert REPRESENTATIVE in client.get(reverse("shelters:intake", args=[stay.public_id])).content.decode()
    left = discharged(w, name="Vàng Thị Dua")
    assert HOME in client.get(reverse("shelters:stay", args=[left.public_id])).content.decode()


def test_without_identity_completion_does_not_ask_for_the_representatives_name(shelter_world):
    w = shelter_world
    stay = admitted(w)
    staff_hold_only(w, stay.case, [C.CORE, C.SHELTER])
    intake = Intake.objects.get(stay=stay)
    answers = {
        "needs": {"needs": ["food"]},
        "belongings": {"items": "Túi quần áo"},
        "risk": {"level": "low", "measures": "Không"},
        "rules": {"explained_on": w.today.isoformat(), "understood": True},
        "consent": {"agrees": True, "given_by": "representative", "signed_on": w.today.isoformat()},
        "goals": {"goals": "Học nghề"},
    }
    intake.sections = answers
    intake.save()
    response = english(w.shelter_worker).post(reverse("shelters:intake-complete", args=[stay.public_id]))
    assert response.status_code == 302
    assert Intake.objects.get(stay=stay).completed_at is not None


def test_without_health_health_sections_and_services_are_hidden_and_refused(shelter_world):
    w = shelter_world
    stay = admitted(w)
    worker = acting(w.shelter_worker)
    today = timezone.localdate()
    actions.do_record_service(stay, kind="counselling", provided_on=today, provider="Tâm lý viên", actor=worker)
    actions.do_record_service(stay, kind="medical", provided_on=today, provider="Trạm y tế", actor=worker)
    actions.do_record_service(stay, kind="legal_aid", provided_on=today, provider="Luật sư An", actor=worker)
    actions.do_save_intake_section(stay, "health", {"general_health": "Sốt rét"}, actor=worker)
    staff_hold_only(w, stay.case, [C.CORE, C.IDENTITY, C.SHELTER])
    client = english(w.shelter_worker)
    page = client.get(reverse("shelters:stay", args=[stay.public_id])).content.decode()
    assert "Luật sư An" in page
    assert "Tâm lý viên" not in page and "Trạm y tế" not in page
    assert 'value="counselling"' not in page and 'value="medical"' not in page
    intake = client.get(reverse("shelters:intake", args=[stay.public_id])).content.decode()
    assert 'id="section-health"' not in intake and 'id="section-arrival"' not in intake
    assert "Sốt rét" not in intake
    before = ServiceRecord.objects.count()
    post = {"kind": "counselling", "provided_on": today.isoformat(), "provider": "X"}
    assert client.post(reverse("shelters:stay-service", args=[stay.public_id]), post).status_code == 400
    assert ServiceRecord.objects.count() == before
    for key in ("health", "arrival"):
        url = reverse("shelters:intake-section", args=[stay.public_id, key])
        assert client.post(url, {"general_health": "Khoẻ", "condition": "good"}).status_code == 404
    assert Intake.objects.get(stay=stay).sections["health"] == {"general_health": "Sốt rét"}
    view = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, actor=w.shelter_worker).latest("pk")
    assert C.HEALTH not in view.classes


def test_the_facility_never_receives_investigation_or_support(shelter_world):
    w = shelter_world
    stay = admitted(w)
    held = set()
    for grant in CaseGrant.objects.filter(case=stay.case, group__in=w.facility.agency.role_groups.values("group")):
        held |= set(grant.classes)
    assert held == {C.CORE, C.IDENTITY, C.HEALTH, C.SHELTER}


def test_the_stays_place_is_not_written_into_core_class_timeline_lines(shelter_world):
    """The facility is `shelter` class; the status moves a discharge makes are `core`, read by
    every agency holding the case (police verification among them)."""
    w = shelter_world
    stay = admitted(w)
    identify(stay.case, w)
    stay = actions.do_discharge(
        stay,
        discharged_at=timezone.now(),
        destination=Stay.Destination.FAMILY,
        reason="Về với gia đình",
        actor=acting(w.shelter_worker),
    )
    moves = stay.case.events.filter(kind=CaseEvent.Kind.TRANSITION, new_status=CaseStatus.REINTEGRATING)
    assert moves.count() == 1
    core = [e.reason for e in stay.case.events.filter(sensitivity=C.CORE, kind=CaseEvent.Kind.TRANSITION)]
    assert not any(w.facility.name in reason or w.facility.name_en in reason for reason in core), core
    police = make_agency("s-police", "police", "LCA")
    officer = make_user("s.police", police, Role.CASEWORKER)
    grant_case(
        stay.case,
        group=police.role_groups.get(role=Role.CASEWORKER).group,
        classes=[C.CORE],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-POLICE",
        actor=w.social_worker,
    )
    page = english(officer).get(reverse("casework:case-detail", args=[stay.case.public_id])).content.decode()
    assert w.facility.name not in page and w.facility.name_en not in page


# Audit -------------------------------------------------------------------------------------


def test_every_shelter_view_and_change_leaves_an_audit_row(shelter_world):
    w = shelter_world
    placement = place(new_case(w.social, w.social_worker), w)
    walk_in = registered_by(w.facility, w.shelter_worker)
    client = english(w.shelter_worker)

    def rows():
        return AuditEvent.objects.filter(actor=w.shelter_worker).count()

    for url in (
        reverse("shelters:facility", args=[w.facility.code]),
        reverse("shelters:admit", args=[w.facility.code, placement.pk]),
        reverse("shelters:walk-in", args=[w.facility.code, walk_in.public_id]),
    ):
        before = rows()
        assert client.get(url).status_code == 200
        assert rows() == before + 1, url
    admit = client.post(reverse("shelters:admit", args=[w.facility.code, placement.pk]), {"planned_end": "x"})
    assert admit.status_code == 400
    stay = admitted(w, name="Hà Thị Hoa")
    for name, data in valid_posts(w).items():
        before = rows()
        assert client.post(reverse(name, args=[stay.public_id]), data).status_code == 302
        assert rows() > before, name


def test_a_refused_form_shows_the_stay_again_and_that_view_is_audited(shelter_world):
    w = shelter_world
    stay = admitted(w, name="Hà Thị Hoa")
    client = english(w.shelter_worker)

    def rows():
        return AuditEvent.objects.filter(actor=w.shelter_worker).count()

    for url in (reverse("shelters:stay", args=[stay.public_id]), reverse("shelters:intake", args=[stay.public_id])):
        before = rows()
        assert client.get(url).status_code == 200
        assert rows() == before + 1, url
    # A refused form shows the stay page again: that view is recorded too.
    before = rows()
    bad = client.post(reverse("shelters:stay-extend", args=[stay.public_id]), {"new_end": "soon"})
    assert bad.status_code == 400 and "Hà Thị Hoa" in bad.content.decode()
    assert rows() == before + 1
    view = AuditEvent.objects.filter(actor=w.shelter_worker).latest("pk")
    assert (view.action, view.case_id) == (AuditEvent.Action.VIEW, stay.case_id)


# Malformed input, methods, CSRF ------------------------------------------------------------


@pytest.mark.parametrize(
    "name,data",
    [
        ("shelters:stay-extend", {"new_end": "31/02/2026", "decided_by": "x", "reason": "x"}),
        ("shelters:stay-extend", {"new_end": "9999-12-31", "decided_by": "x", "reason": "x"}),
        ("shelters:stay-extend", {"new_end": "0001-01-01", "decided_by": "x", "reason": "x"}),
        ("shelters:stay-extend", {"new_end": "9999-12-31", "decided_by": "x", "reason": "x", "decision_number": "1"}),
        ("shelters:stay-service", {"kind": "medical", "provided_on": "0001-01-01", "provider": "x"}),
        (
            "shelters:stay-service",
            {"kind": "essential_needs", "provided_on": "2026-01-01", "provider": "x", "days": "1e9"},
        ),
        (
            "shelters:stay-service",
            {"kind": "essential_needs", "provided_on": "9999-12-31", "provider": "x", "days": "999"},
        ),
        ("shelters:stay-service", {"kind": "<script>", "provided_on": "x"}),
        ("shelters:stay-discharge", {"discharged_at": "0001-01-01T00:00", "destination": "family", "reason": "x"}),
        ("shelters:stay-discharge", {"discharged_at": "9999-12-31T23:59", "destination": "family", "reason": "x"}),
        ("shelters:stay-discharge", {"discharged_at": "2026-13-45T99:99", "destination": "moon", "reason": ""}),
        ("shelters:intake-section", {"explained_on": "0001-01-01", "understood": "on"}),
        ("shelters:intake-section", {"cash_vnd": "9" * 40}),
        ("shelters:intake-section", {"needs": ["teleport"], "other_needs": "\x00"}),
    ],
)
def test_malformed_and_extreme_input_never_gives_a_500(shelter_world, name, data):
    w = shelter_world
    stay = admitted(w)
    args = [stay.public_id]
    if name == "shelters:intake-section":
        key = "rules" if "explained_on" in data else "belongings" if "cash_vnd" in data else "needs"
        args.append(key)
    client = english(w.shelter_worker)
    response = client.post(reverse(name, args=args), data)
    assert response.status_code < 500
    assert client.get(reverse("shelters:stay", args=[stay.public_id])).status_code == 200
    assert client.get(reverse("shelters:intake", args=[stay.public_id])).status_code == 200
    stay.refresh_from_db()
    assert stay.is_current or name == "shelters:stay-discharge"


def test_malformed_follow_up_and_admission_input_is_a_400(shelter_world):
    w = shelter_world
    stay = discharged(w)
    visit = FollowUpVisit.objects.get(stay=stay, months=1)
    client = english(w.shelter_worker)
    url = reverse("shelters:followup", args=[visit.pk])
    for data in (
        {"visited_on": "0001-01-01", "outcome": "safe"},
        {"visited_on": "9999-12-31", "outcome": "safe"},
        {"visited_on": "hôm qua", "outcome": "eaten"},
    ):
        assert client.post(url, data).status_code == 400
    placement = place(new_case(w.social, w.social_worker, name="Hà Thị Hoa"), w)
    admit = reverse("shelters:admit", args=[w.facility.code, placement.pk])
    other_bed = w.other_facility.beds.first()
    for data in (
        {"planned_end": "9999-12-31"},
        {"planned_end": "0001-01-01"},
        {"planned_end": w.in_months(2).isoformat(), "bed": "abc"},
        {"planned_end": w.in_months(2).isoformat(), "bed": str(other_bed.pk)},
        {"planned_end": w.in_months(2).isoformat(), "bed": "9" * 30},
    ):
        assert client.post(admit, data).status_code == 400, data
    assert Bed.objects.get(pk=other_bed.pk).occupied_by is None
    assert client.get("/shelters/stays/not-a-uuid/").status_code == 404
    assert client.get(f"/shelters/{w.facility.code}/walk-in/not-a-uuid/").status_code == 404


def test_post_only_endpoints_refuse_get_and_pages_refuse_post(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = english(w.shelter_worker)
    for url in stay_urls(stay)["post"]:
        assert client.get(url).status_code == 405, url
    for url in stay_urls(stay)["get"] + [
        reverse("shelters:board"),
        reverse("shelters:board-counts"),
        reverse("shelters:facility", args=[w.facility.code]),
        reverse("shelters:beds", args=[w.facility.code]),
    ]:
        assert client.post(url).status_code == 405, url


def test_posts_without_a_csrf_token_are_refused(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.shelter_worker)
    signed = english(w.shelter_worker)
    client.cookies = signed.cookies
    for name, data in valid_posts(w).items():
        assert client.post(reverse(name, args=[stay.public_id]), data).status_code == 403
    stay.refresh_from_db()
    assert stay.is_current and not ServiceRecord.objects.exists()
    # The same client with the page's token is let through: the 403s were the CSRF check.
    assert client.get(reverse("shelters:stay", args=[stay.public_id])).status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    service = valid_posts(w)["shelters:stay-service"]
    response = client.post(reverse("shelters:stay-service", args=[stay.public_id]), service, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302 and ServiceRecord.objects.count() == 1


# The board and the htmx partials -----------------------------------------------------------


def test_the_board_and_its_partials_show_counts_only(shelter_world):
    w = shelter_world
    stay = admitted(w)
    place(new_case(w.social, w.social_worker, name="Hà Thị Hoa"), w)
    for user in (w.owner, w.other_shelter_worker, w.social_worker):
        client = english(user)
        for url in (reverse("shelters:board"), reverse("shelters:board-counts")):
            body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
            for secret in (PERSON, "Hà Thị Hoa", stay.case.reference, str(stay.public_id), "P1 / G1"):
                assert secret not in body, (user, url, secret)
    beds = english(w.shelter_worker).get(reverse("shelters:beds", args=[w.facility.code])).content.decode()
    assert PERSON not in beds and "Hà Thị Hoa" not in beds and stay.case.reference not in beds


def test_the_bed_hold_on_acceptance_gives_no_bed_to_a_facility_that_does_not_take_her(shelter_world):
    """The acceptance hook refuses, atomically: no hold, no placement, no grant."""
    w = shelter_world
    w.facility.takes_women = False
    w.facility.save()
    case = new_case(w.social, w.social_worker)
    with pytest.raises(Exception):
        place(case, w)
    assert not Placement.objects.filter(case=case).exists()
    assert not Bed.objects.filter(held_for=case).exists()
    group = w.facility.agency.role_groups.get(role=Role.SHELTER_STAFF).group
    # Only the `core` the sending gave to decide (decision 20); nothing of the acceptance.
    for grant in CaseGrant.objects.filter(case=case, group=group, revoked_at__isnull=True):
        assert grant.classes == [C.CORE]
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.SHELTER).exists()
