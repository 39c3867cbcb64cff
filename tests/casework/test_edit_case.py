"""Correcting a case and its person after registration (issue 16): timeline lines with old →
new values by class, audit rows with field names only, optimistic concurrency, who may
correct, and entitlements that follow the corrected facts."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import corrections
from casework.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseGrant,
    Country,
    LegalRegime,
    Person,
    PersonStatus,
    PicklistValue,
    Role,
    SensitivityClass,
)
from casework.models.people import age_from_birth_year
from support.entitlements import entitlements
from tests.fixtures.personas import make_user, sign_in
from tests.fixtures.queries import page_queries

pytestmark = pytest.mark.django_db


def _case_form(case: Case, **changes) -> dict:
    """The edit page's form as a browser posts it, with `changes` typed in."""
    data = {}
    for name in corrections.CASE_FIELDS:
        value = corrections.stored_value(case, name)
        data[name] = list(value) if isinstance(value, tuple) else value
    data["received_at"] = timezone.localtime(case.received_at).strftime("%Y-%m-%dT%H:%M")
    data["base"] = corrections.fingerprints(case, corrections.CASE_FIELDS)
    data.update(changes)
    return {name: ("" if value is None else value) for name, value in data.items()}


def _person_form(case: Case, **changes) -> dict:
    person = case.person
    data = {name: corrections.stored_value(person, name) for name in corrections.PERSON_FIELDS}
    data["poor_household"] = {True: "true", False: "false"}.get(person.poor_household, "unknown")
    data["base"] = corrections.fingerprints(person, corrections.PERSON_FIELDS)
    data.update(changes)
    return {name: value for name, value in data.items() if value not in (None, False)}


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("person").get(pk=case.pk)


def test_correcting_the_destination_writes_old_and_new_on_the_timeline_and_audits_field_names(world):
    case = world.case
    china, cambodia = Country.objects.get(alpha2="CN"), Country.objects.get(alpha2="KH")
    Case.objects.filter(pk=case.pk).update(destination_country=china)
    case = _fresh(case)
    forced = PicklistValue.objects.filter(list_name=PicklistValue.List.EXPLOITATION_TYPE).first()
    client = sign_in(world.owner)
    url = reverse("casework:case-edit", args=[case.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, _case_form(case, destination_country=cambodia.pk, exploitation_forms=[forced.pk]))
    assert response.status_code == 302
    case = _fresh(case)
    assert case.destination_country == cambodia
    assert list(case.exploitation_forms.all()) == [forced]
    line = case.events.get(kind=CaseEvent.Kind.UPDATED)
    assert line.sensitivity == SensitivityClass.CORE
    assert f"{china.name} → {cambodia.name}" in line.reason and forced.name in line.reason
    row = AuditEvent.objects.get(case=case, action=AuditEvent.Action.UPDATE, object_type="case")
    assert sorted(row.detail["fields"]) == ["destination_country", "exploitation_forms"]
    assert cambodia.name not in json.dumps(row.detail, ensure_ascii=False)
    # The colleague in the same unit sees the line on the case page.
    page = sign_in(world.colleague).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert f"{china.name} → {cambodia.name}" in page


def test_an_unchanged_form_writes_nothing(world):
    case = _fresh(world.case)
    response = sign_in(world.owner).post(reverse("casework:case-edit", args=[case.public_id]), _case_form(case))
    assert response.status_code == 302
    assert not case.events.filter(kind=CaseEvent.Kind.UPDATED).exists()
    assert not AuditEvent.objects.filter(case=case, action=AuditEvent.Action.UPDATE, object_type="case").exists()


def test_a_name_correction_shows_its_values_only_to_holders_of_identity(world):
    case = _fresh(world.case)
    # A police unit with core only (a referral still to decide) sees the case, not identity.
    reader_agency = world.other_police
    reader = make_user("core.reader", reader_agency, Role.CASEWORKER)
    from casework import actions

    actions.grant_case(
        case,
        group=reader_agency.role_groups.get(role=Role.CASEWORKER).group,
        classes=[SensitivityClass.CORE],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-TEST-2",
        actor=world.owner,
    )
    response = sign_in(world.owner).post(
        reverse("casework:person-edit", args=[case.public_id]), _person_form(case, full_name="Nguyễn Thị Lanh")
    )
    assert response.status_code == 302
    case = _fresh(case)
    assert case.person.full_name == "Nguyễn Thị Lanh"
    identity_line = case.events.get(kind=CaseEvent.Kind.UPDATED)
    assert identity_line.sensitivity == SensitivityClass.IDENTITY
    assert "Nguyễn Thị Lan → Nguyễn Thị Lanh" in identity_line.reason
    core_line = case.events.get(kind=CaseEvent.Kind.IDENTITY_UPDATED)
    assert core_line.sensitivity == SensitivityClass.CORE and "Lan" not in core_line.reason
    row = AuditEvent.objects.get(case=case, action=AuditEvent.Action.UPDATE, object_type="person")
    assert row.detail["fields"] == ["person.full_name"] and row.classes == ["identity"]
    assert "Lanh" not in json.dumps(row.detail, ensure_ascii=False)

    url = reverse("casework:case-detail", args=[case.public_id])
    reader_page = sign_in(reader).get(url).content.decode()
    assert "đã sửa thông tin nhân thân" in reader_page  # "identity details corrected"
    assert "Lanh" not in reader_page and "Nguyễn Thị Lan" not in reader_page
    owner_page = sign_in(world.owner).get(url).content.decode()
    assert "Nguyễn Thị Lan → Nguyễn Thị Lanh" in owner_page
    assert "đã sửa thông tin nhân thân" not in owner_page  # the values' line says it already


def test_a_stale_form_is_refused_with_what_changed_and_keeps_what_was_typed(world):
    case = _fresh(world.case)
    china, thailand = Country.objects.get(alpha2="CN"), Country.objects.get(alpha2="TH")
    url = reverse("casework:case-edit", args=[case.public_id])
    mine = _case_form(case, destination_country=thailand.pk, route="Lào Cai – Hà Khẩu – Côn Minh")
    # A colleague corrects the destination first.
    theirs = _case_form(case, destination_country=china.pk)
    assert sign_in(world.colleague).post(url, theirs).status_code == 302
    events = CaseEvent.objects.filter(case=case).count()

    response = sign_in(world.owner).post(url, mine)
    assert response.status_code == 409
    case = _fresh(case)
    assert case.destination_country == china and case.route == ""  # nothing of the stale form saved
    assert CaseEvent.objects.filter(case=case).count() == events
    html = response.content.decode()
    assert 'data-testid="stale"' in html and china.name in html
    assert "Lào Cai – Hà Khẩu – Côn Minh" in html  # what was typed is still in the form
    refused = AuditEvent.objects.get(case=case, action=AuditEvent.Action.REFUSED, actor=world.owner)
    assert refused.detail["reason"] == "stale" and refused.detail["fields"] == ["destination_country"]

    # The answer is based on the current values: saving it again applies the user's correction.
    again = response.context["form"].data
    assert sign_in(world.owner).post(url, again).status_code == 302
    case = _fresh(case)
    assert case.destination_country == thailand and case.route == "Lào Cai – Hà Khẩu – Côn Minh"


def test_a_stale_person_form_is_refused(world):
    case = _fresh(world.case)
    url = reverse("casework:person-edit", args=[case.public_id])
    mine = _person_form(case, languages="Tiếng Mông")
    assert sign_in(world.colleague).post(url, _person_form(case, full_name="Nguyễn Thị Lành")).status_code == 302
    response = sign_in(world.owner).post(url, mine)
    assert response.status_code == 409
    assert _fresh(case).person.languages == "" and _fresh(case).person.full_name == "Nguyễn Thị Lành"


def test_a_tampered_or_missing_base_is_a_400(world):
    case = _fresh(world.case)
    url = reverse("casework:case-edit", args=[case.public_id])
    for base in ("", "not json", "[1, 2]"):
        response = sign_in(world.owner).post(url, _case_form(case, base=base, route="x"))
        assert response.status_code == 400
    assert _fresh(case).route == ""


@pytest.mark.parametrize("who", ["supervisor", "shelter"])
@pytest.mark.parametrize("route", ["casework:case-edit", "casework:person-edit"])
def test_a_reader_of_the_case_is_refused_with_a_403_and_a_refused_row(world, who, route):
    case = _fresh(world.case)
    user = getattr(world, who)
    client = sign_in(user)
    url = reverse(route, args=[case.public_id])
    form = _case_form(case, route="x") if route == "casework:case-edit" else _person_form(case, full_name="X Y")
    assert client.get(url).status_code == 403
    assert client.post(url, form).status_code == 403
    case = _fresh(case)
    assert case.route == "" and case.person.full_name == "Nguyễn Thị Lan"
    refused = AuditEvent.objects.filter(actor=user, case=case, action=AuditEvent.Action.REFUSED)
    assert refused.filter(detail__reason="authority").count() == 2
    assert not case.events.filter(kind=CaseEvent.Kind.UPDATED).exists()
    page = client.get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert "/edit/" not in page
    owner_page = sign_in(world.owner).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert 'data-testid="edit-case"' in owner_page and 'data-testid="edit-person"' in owner_page


@pytest.mark.parametrize("route", ["casework:case-edit", "casework:person-edit"])
def test_a_foreign_case_is_a_404_with_a_denied_row(world, route):
    case = _fresh(world.case)
    client = sign_in(world.outsider)
    url = reverse(route, args=[case.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"route": "x"}).status_code == 404
    assert AuditEvent.objects.filter(actor=world.outsider, case=case, action=AuditEvent.Action.DENIED).count() == 2
    assert _fresh(case).route == ""


def test_correcting_the_birth_year_makes_her_a_child_and_the_core_line_says_so(world):
    case = _fresh(world.case)
    assert (case.is_child, case.age_at_reception) == (
        False,
        age_from_birth_year(1999, timezone.localdate(case.received_at)),
    )
    year = timezone.localdate(case.received_at).year - 16
    response = sign_in(world.owner).post(
        reverse("casework:person-edit", args=[case.public_id]), _person_form(case, birth_year=year)
    )
    assert response.status_code == 302
    case = _fresh(case)
    assert case.is_child is True and case.age_at_reception == age_from_birth_year(
        year, timezone.localdate(case.received_at)
    )
    assert Case.objects.filter(is_child=True, pk=case.pk).exists()  # the statistics' column
    core_line = case.events.get(kind=CaseEvent.Kind.IDENTITY_UPDATED)
    assert "Dưới 18 tuổi khi tiếp nhận: không → có" in core_line.reason
    assert str(year) not in core_line.reason
    row = AuditEvent.objects.get(case=case, action=AuditEvent.Action.UPDATE, object_type="person")
    assert row.detail["fields"] == ["person.birth_year", "age_at_reception", "is_child"]
    page = sign_in(world.owner).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert 'badge text-bg-info">trẻ em' in page


def test_correcting_the_reception_time_recomputes_the_age(world):
    case = _fresh(world.case)
    received = case.received_at.replace(year=case.received_at.year - 12)
    response = sign_in(world.owner).post(
        reverse("casework:case-edit", args=[case.public_id]),
        _case_form(case, received_at=timezone.localtime(received).strftime("%Y-%m-%dT%H:%M")),
    )
    assert response.status_code == 302
    case = _fresh(case)
    # Only the birth year (1999) is known: the age follows the birth-year rule (decision 90).
    expected = age_from_birth_year(1999, timezone.localtime(received).date())
    assert case.age_at_reception == expected < 18 and case.is_child is True
    assert "age_at_reception" in AuditEvent.objects.get(case=case, action="update", object_type="case").detail["fields"]


def test_entitlements_follow_a_corrected_poor_household(world):
    case = _fresh(world.case)
    # Under the 2011 regime education and the hardship allowance are for poor households only.
    Case.objects.filter(pk=case.pk).update(person_status=PersonStatus.VICTIM, legal_regime=LegalRegime.LAW_2011)
    case = _fresh(case)
    url = reverse("casework:person-edit", args=[case.public_id])
    vietnam = Country.objects.get(alpha2="VN")
    assert sign_in(world.owner).post(url, _person_form(case, nationality=vietnam.pk)).status_code == 302
    before = {entitlement.item.code for entitlement in entitlements(_fresh(case))}
    assert "d09-education" not in before and "d09-hardship" not in before
    case = _fresh(case)
    assert sign_in(world.owner).post(url, _person_form(case, poor_household="true")).status_code == 302
    after = {entitlement.item.code for entitlement in entitlements(_fresh(case))}
    assert after - before == {"d09-education", "d09-hardship"}
    line = _fresh(case).events.filter(kind=CaseEvent.Kind.UPDATED).first()
    assert "Hộ nghèo: không rõ → có" in line.reason
    plan = sign_in(world.owner).get(reverse("support:case-support", args=[case.public_id])).content.decode()
    assert "Hỗ trợ học văn hóa (hộ nghèo)" in plan


def test_the_assigned_caseworker_corrects_and_a_colleague_of_the_lead_too(world):
    case = _fresh(world.case)
    assert case.assigned_to == world.owner
    url = reverse("casework:case-edit", args=[case.public_id])
    assert sign_in(world.colleague).post(url, _case_form(case, route="Qua Móng Cái")).status_code == 302
    assert _fresh(case).route == "Qua Móng Cái"


def test_bad_values_are_a_400_that_keeps_what_was_typed(world):
    case = _fresh(world.case)
    url = reverse("casework:person-edit", args=[case.public_id])
    response = sign_in(world.owner).post(url, _person_form(case, birth_year="3000", languages="Tiếng Thái"))
    assert response.status_code == 400
    assert "Tiếng Thái" in response.content.decode()
    assert _fresh(case).person.birth_year == 1999


def test_the_edit_pages_query_count_is_bounded(world):
    case = _fresh(world.case)
    client = sign_in(world.owner)
    for route in ("casework:case-edit", "casework:person-edit"):
        url = reverse(route, args=[case.public_id])
        few, _response = page_queries(client, url)
        values = PicklistValue.objects.all()[:6]
        for name in ("exploitation_forms", "means_of_control", "recruitment_methods"):
            getattr(case, name).set(values)
        many, response = page_queries(client, url)
        assert few == many <= 18, route
        assert 'name="base"' in response.content.decode()


def test_a_document_number_is_stored_as_registration_stores_it(world):
    case = _fresh(world.case)
    url = reverse("casework:person-edit", args=[case.public_id])
    form = _person_form(case, document_type="cccd", document_number=" 001-199 012345 ")
    assert sign_in(world.owner).post(url, form).status_code == 302
    case = _fresh(case)
    stored = case.person.document_number
    assert stored and " " not in stored
    line = case.events.get(kind=CaseEvent.Kind.UPDATED)
    assert f"— → {stored}" in line.reason
    # The same number typed again is not a correction.
    again = _person_form(case, document_number=" 001-199 012345 ")
    assert sign_in(world.owner).post(url, again).status_code == 302
    assert case.events.filter(kind=CaseEvent.Kind.UPDATED).count() == 1


def test_a_changed_phone_must_look_like_one_and_a_recorded_one_may_stay(world):
    case = _fresh(world.case)
    Person.objects.filter(pk=case.person_id).update(phone="gọi qua mẹ")  # recorded before the check
    case = _fresh(case)
    url = reverse("casework:person-edit", args=[case.public_id])
    client = sign_in(world.owner)
    response = client.post(url, _person_form(case, phone="abc-xyz-!!!"))
    assert response.status_code == 400
    assert "Nhập số điện thoại" in response.content.decode()
    assert _fresh(case).person.phone == "gọi qua mẹ"
    # Another detail corrected, the old phone left as it was: saved.
    assert client.post(url, _person_form(case, languages="Tiếng Mông")).status_code == 302
    assert _fresh(case).person.languages == "Tiếng Mông"
    assert client.post(url, _person_form(_fresh(case), phone="+84 (912) 345-678")).status_code == 302
    assert _fresh(case).person.phone == "+84 (912) 345-678"
