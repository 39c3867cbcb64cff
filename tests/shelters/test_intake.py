"""The intake form's pages: draft saves by section, completion, and who may see which section."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from casework.actions import grant_case, revoke_case
from casework.models import AuditEvent, CaseGrant, Role, SensitivityClass
from shelters.actions import do_admit_from_placement
from shelters.intake import PastDateField
from shelters.models import Intake
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.shelters import new_case, place

HTMX = {"HTTP_HX_REQUEST": "true"}


def valid_answers(today) -> dict[str, dict]:
    """Answers that complete every section (an unticked box is simply not posted)."""
    return {
        "arrival": {"condition": "exhausted", "emotional_state": "Sợ hãi, ít nói", "accompanied_by": "Biên phòng"},
        "needs": {"needs": ["food", "rest"]},
        "health": {"general_health": "Yếu, sụt cân", "pregnant": "no", "needs_doctor": "on", "screened_by": "Y tá Hoa"},
        "belongings": {"items": "Một túi quần áo", "cash_vnd": "200000", "kept_in_safe": "on"},
        "risk": {"level": "medium", "measures": "Không cho người lạ gặp"},
        "rules": {"explained_on": today.isoformat(), "language": "tiếng Việt", "understood": "on"},
        "consent": {"agrees": "on", "given_by": "person", "signed_on": today.isoformat()},
        "contact": {"name": "Lò Văn Dũng", "relationship": "anh trai", "phone": "0912345678"},
        "goals": {"goals": "Học nghề may rồi về nhà", "language": "tiếng Việt"},
    }


@pytest.fixture
def stay(shelter_world):
    w = shelter_world
    case = new_case(w.social, w.social_worker)
    place(case, w)
    return do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )


def english(user):
    client = sign_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_url(stay):
    return reverse("shelters:intake", args=[stay.public_id])


def section_url(stay, key):
    return reverse("shelters:intake-section", args=[stay.public_id, key])


def complete_url(stay):
    return reverse("shelters:intake-complete", args=[stay.public_id])


def fill_all(client, stay, **overrides):
    for key, answers in valid_answers(timezone.localdate()).items():
        response = client.post(section_url(stay, key), {**answers, **overrides.get(key, {})})
        assert response.status_code == 302, (key, response.content.decode()[:2000])


def test_a_half_filled_section_is_kept_and_shown_in_a_later_sitting(shelter_world, stay):
    client = english(shelter_world.shelter_worker)
    response = client.post(section_url(stay, "arrival"), {"condition": "exhausted", "accompanied_by": "Biên phòng"})
    assert response.status_code == 302
    assert response["Location"] == page_url(stay) + "#section-arrival"
    intake = Intake.objects.get(stay=stay)
    assert intake.sections["arrival"] == {
        "condition": "exhausted",
        "emotional_state": "",
        "visible_injuries": "",
        "accompanied_by": "Biên phòng",
    }
    assert "arrival" in intake.saved_at
    saved = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, detail__intake_section="arrival")
    assert saved.actor == shelter_world.shelter_worker
    assert saved.classes == [SensitivityClass.HEALTH]

    later = english(shelter_world.shelter_worker)
    page = later.get(page_url(stay)).content.decode()
    assert '<option value="exhausted" selected>' in page
    assert 'value="Biên phòng"' in page
    saved_time = timezone.localtime(parse_datetime(intake.saved_at["arrival"])).strftime("%H:%M")
    assert f"Saved at {saved_time}" in page
    assert "Answers still needed" in page


def test_a_malformed_date_is_refused_with_what_was_typed_and_nothing_saved(shelter_world, stay):
    client = english(shelter_world.shelter_worker)
    typed = {"explained_on": "31/13/2025", "language": "tiếng H'Mông", "understood": "on"}
    response = client.post(section_url(stay, "rules"), typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="31/13/2025"' in page
    assert "tiếng H&#x27;Mông" in page
    assert 'data-testid="error-explained_on"' in page
    assert Intake.objects.get(stay=stay).sections == {}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, detail__intake_section="rules").exists()


def test_negative_cash_is_refused_in_the_htmx_partial(shelter_world, stay):
    client = english(shelter_world.shelter_worker)
    response = client.post(section_url(stay, "belongings"), {"items": "Điện thoại", "cash_vnd": "-5"}, **HTMX)
    assert response.status_code == 400
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card intake-section')
    assert "Điện thoại" in page
    assert 'value="-5"' in page
    assert 'data-testid="error-cash_vnd"' in page
    assert "belongings" not in Intake.objects.get(stay=stay).sections


@pytest.mark.parametrize(
    ("section", "answers", "field"),
    [
        ("rules", {"explained_on": "2999-01-01", "language": "tiếng Việt"}, "explained_on"),
        ("consent", {"agrees": "on", "given_by": "person", "signed_on": "2999-12-31"}, "signed_on"),
        ("consent", {"agrees": "on", "given_by": "person", "signed_on": "1900-01-01"}, "signed_on"),
        ("rules", {"explained_on": "1989-12-31", "language": "tiếng Việt"}, "explained_on"),
        ("contact", {"name": "Lò Văn Dũng", "relationship": "anh trai", "phone": "abc-xyz-!!!"}, "phone"),
        ("contact", {"name": "Lò Văn Dũng", "relationship": "anh trai", "phone": "12"}, "phone"),
    ],
)
def test_a_date_to_come_or_a_phone_that_is_not_one_is_refused_and_kept(shelter_world, stay, section, answers, field):
    """A consent "signed" in 2999 made the section complete; "abc-xyz-!!!" was kept as the
    number to call in an emergency (found by a tester)."""
    client = english(shelter_world.shelter_worker)
    response = client.post(section_url(stay, section), answers, **HTMX)
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count(f'data-testid="error-{field}"') == 1
    assert page.count("8 to 15 digits") + page.count("Enter a telephone number") <= 1  # one message at a time
    assert answers[field] in page  # what was typed stays in the field
    assert section not in Intake.objects.get(stay=stay).sections


def test_a_date_field_of_the_intake_refuses_a_year_before_any_record():
    field = PastDateField()
    with pytest.raises(ValidationError) as refused:
        field.clean("1989-12-31")
    assert refused.value.code == "too_early"
    assert field.clean("1990-01-01") == datetime.date(1990, 1, 1)


@pytest.mark.parametrize(("section", "field"), [("rules", "explained_on"), ("consent", "signed_on")])
def test_a_date_before_she_was_received_is_refused_and_the_day_itself_accepted(shelter_world, stay, section, field):
    received = timezone.localdate(stay.case.received_at)
    client = english(shelter_world.shelter_worker)
    extra = {"language": "tiếng Việt"} if section == "rules" else {"agrees": "on", "given_by": "person"}
    before = {field: (received - datetime.timedelta(days=1)).isoformat(), **extra}
    response = client.post(section_url(stay, section), before, **HTMX)
    assert response.status_code == 400
    assert f"before the person was received ({received:%d/%m/%Y})" in response.content.decode()
    assert section not in Intake.objects.get(stay=stay).sections
    response = client.post(section_url(stay, section), {**before, field: received.isoformat()}, **HTMX)
    assert response.status_code == 200
    assert Intake.objects.get(stay=stay).sections[section][field] == received.isoformat()


@pytest.mark.parametrize("phone", ["0912345678", "+84 912 345 678", "(024) 3825.1234", "0912-345-678"])
def test_phone_numbers_as_people_write_them_are_kept(shelter_world, stay, phone):
    client = english(shelter_world.shelter_worker)
    answers = {"name": "Lò Văn Dũng", "relationship": "anh trai", "phone": phone}
    assert client.post(section_url(stay, "contact"), answers, **HTMX).status_code == 200
    assert Intake.objects.get(stay=stay).sections["contact"]["phone"] == phone


def test_an_htmx_save_returns_only_the_section_and_its_index_link(shelter_world, stay):
    client = english(shelter_world.shelter_worker)
    response = client.post(section_url(stay, "needs"), {"needs": ["food", "rest"]}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert page.count("<section") == 1
    assert 'id="section-needs"' in page
    assert 'id="intake-nav-needs"' in page and 'hx-swap-oob="true"' in page
    assert "Saved at" in page and "text-success" in page and "Complete" in page
    assert Intake.objects.get(stay=stay).sections["needs"] == {"needs": ["food", "rest"], "other_needs": ""}


def test_completion_is_refused_while_an_answer_is_missing_and_names_the_section(shelter_world, stay):
    client = english(shelter_world.shelter_worker)
    fill_all(client, stay, health={"screened_by": ""})
    response = client.post(complete_url(stay))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Some answers are still needed in: Health screening." in page
    assert 'data-testid="needed-screened_by"' in page
    assert "Needed to complete the intake." in page
    intake = Intake.objects.get(stay=stay)
    assert intake.completed_at is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, case=stay.case).exists()


def test_completion_succeeds_once_every_section_is_filled_and_corrections_stay_possible(shelter_world, stay):
    worker = shelter_world.shelter_worker
    client = english(worker)
    fill_all(client, stay)
    response = client.post(complete_url(stay))
    assert response.status_code == 302
    assert response["Location"] == reverse("shelters:stay", args=[stay.public_id])
    intake = Intake.objects.get(stay=stay)
    assert intake.completed_at is not None
    assert intake.completed_by == worker

    response = client.post(section_url(stay, "goals"), {"goals": "Mở tiệm may", "language": "tiếng Việt"})
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.sections["goals"]["goals"] == "Mở tiệm may"
    assert intake.completed_at is not None
    page = client.get(page_url(stay)).content.decode()
    day = timezone.localtime(intake.completed_at).strftime("%d/%m/%Y")
    assert f"Completed on {day} by {worker}." in page
    assert 'data-testid="complete-intake"' not in page


@pytest.mark.parametrize("persona", ["other_shelter_worker", "social_worker"])
def test_only_the_staff_of_the_stays_facility_reach_the_intake(shelter_world, stay, persona):
    client = english(getattr(shelter_world, persona))
    answers = valid_answers(timezone.localdate())["needs"]
    assert client.get(page_url(stay)).status_code == 404
    assert client.post(section_url(stay, "needs"), answers).status_code == 404
    assert client.post(complete_url(stay)).status_code == 404
    assert Intake.objects.get(stay=stay).sections == {}
    denied = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=getattr(shelter_world, persona))
    assert denied.count() == 3


def test_a_section_whose_class_is_not_held_is_absent_and_cannot_be_saved(shelter_world, stay):
    w = shelter_world
    group = w.facility.agency.role_groups.get(role=Role.SHELTER_STAFF).group
    for grant in CaseGrant.objects.filter(case=stay.case, group=group, revoked_at__isnull=True):
        revoke_case(grant, actor=w.social_worker)
    grant_case(
        stay.case,
        group=group,
        classes=[SensitivityClass.CORE, SensitivityClass.SHELTER],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-PARTIAL",
        actor=w.social_worker,
    )
    client = english(w.shelter_worker)
    page = client.get(page_url(stay)).content.decode()
    assert 'id="section-needs"' in page
    for key in ("arrival", "health", "contact"):
        assert f'id="section-{key}"' not in page
    assert client.post(section_url(stay, "contact"), {"name": "Lò Văn Dũng"}).status_code == 404
    assert client.post(section_url(stay, "health"), {"general_health": "Tốt"}).status_code == 404
    assert Intake.objects.get(stay=stay).sections == {}
    view = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, case=stay.case, actor=w.shelter_worker)
    assert view.classes == [SensitivityClass.SHELTER]


def test_each_view_of_the_page_leaves_one_audit_row_with_the_classes_shown(shelter_world, stay):
    client = english(shelter_world.shelter_worker)
    client.get(page_url(stay))
    view = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, case=stay.case)
    assert view.classes == sorted([SensitivityClass.HEALTH, SensitivityClass.IDENTITY, SensitivityClass.SHELTER])
    assert view.actor == shelter_world.shelter_worker


def test_unknown_sections_and_wrong_methods_are_refused_plainly(shelter_world, stay):
    client = english(shelter_world.shelter_worker)
    assert client.post(section_url(stay, "passport")).status_code == 404
    assert client.get(section_url(stay, "needs")).status_code == 405
    assert client.get(complete_url(stay)).status_code == 405
    assert client.post(page_url(stay)).status_code == 405


def test_the_intake_page_takes_a_bounded_number_of_queries(shelter_world, stay, django_assert_max_num_queries):
    client = english(shelter_world.shelter_worker)
    fill_all(client, stay)
    with django_assert_max_num_queries(20):
        response = client.get(page_url(stay))
    assert response.status_code == 200
    assert response.content.decode().count("Complete</span>") == 9
