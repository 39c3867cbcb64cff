"""Issue 17: a NUL byte in any field of a StyledForm, and a number no id can have in a model
choice, are refused with a message (400) before they reach the database; nothing is written.
Run on SQLite and on PostgreSQL (DATABASE_URL), where a NUL byte used to be a server error."""

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from casework.forms import CaseFactsForm, PersonForm
from casework.models import AuditEvent, Case, Country, LegalRegime, Person, PersonStatus
from support.models import CapExtension, Claim, Payment, SupportItem
from tests.fixtures.personas import acting, make_case, sign_in

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "The text contains a null character"
HUGE = "9" * 30


def client_for(user):
    client = sign_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.raise_request_exception = False
    return client


def victim(world):
    case = make_case(
        world.police, acting(world.owner), person_status=PersonStatus.VICTIM, legal_regime=LegalRegime.LAW_2024
    )
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"))
    return case


def claim_form(world, case):
    return {"item": "l53-k", "deciding_agency": str(world.police.pk), "documents": "Đơn theo Mẫu số 07"}


def payment_form(world, case):
    claim = Claim.objects.create(
        case=case, item=SupportItem.objects.get(code="l53-k"), deciding_agency=world.police,
        filed_on=timezone.localdate(), filed_by=world.owner, documents="Đơn",
        status="approved", amount_decided_vnd=2_000_000,
    )  # fmt: skip
    return {
        "item": "l53-k",
        "claim": str(claim.public_id),
        "amount_vnd": "100000",
        "paid_on": timezone.localdate().isoformat(),
        "receipt_ref": "PC-1",
    }


def extension_form(world, case):
    return {
        "item": "l53-a",
        "extra_days": "30",
        "decision_number": "12/QĐ-SYT",
        "decided_by": "Sở Y tế",
        "decided_on": timezone.localdate().isoformat(),
        "reason": "Cần thêm thời gian",
    }


FORMS = [
    ("support:case-claim", claim_form, ["item", "deciding_agency", "documents"]),
    ("support:case-payment", payment_form, ["item", "amount_vnd", "paid_on", "receipt_ref", "note"]),
    (
        "support:case-cap-extension",
        extension_form,
        ["item", "extra_days", "decision_number", "decided_by", "decided_on", "reason"],
    ),
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize(("url_name", "valid", "fields"), FORMS, ids=["claim", "payment", "extension"])
def test_a_nul_byte_in_any_support_form_field_is_400_with_a_message(world, url_name, valid, fields, htmx):
    case = victim(world)
    client = client_for(world.owner)
    url = reverse(url_name, args=[case.public_id])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    denied = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count()
    valid_data = valid(world, case)
    claims = Claim.objects.count()
    for field in fields:
        data = dict(valid_data)
        data[field] = data.get(field, "") + "\x00x"
        response = client.post(url, data, **headers)
        assert response.status_code == 400, field
        assert NUL_MESSAGE in response.content.decode(), field
    assert Claim.objects.count() == claims
    assert not Payment.objects.exists() and not CapExtension.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count() == denied
    assert not AuditEvent.objects.filter(detail__icontains="\\u0000").exists()


def facts(world, **changes):
    from casework.models import Province

    data = {
        "came_to_notice": "border_handover",
        "received_at": (timezone.localtime() - timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "reception_province": str(Province.objects.get(code="LCA").pk),
        "reception_place": "Cửa khẩu Kim Thành",
    }
    return data | changes


PERSON = {"full_name": "Nguyễn Thị Hoa", "sex": "female", "birth_year": "2001"}


@pytest.mark.parametrize("field", ["exploitation_forms", "recruitment_methods", "means_of_control"])
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE])
def test_a_huge_number_in_the_wizard_checkboxes_is_an_invalid_choice(world, field, value):
    client = client_for(world.owner)
    assert client.post("/cases/new/person/", PERSON).status_code == 302
    cases = Case.objects.count()
    response = client.post("/cases/new/facts/", facts(world, **{field: [value]}))
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert Case.objects.count() == cases


def test_a_huge_number_in_a_single_choice_is_an_invalid_choice(world):
    client = client_for(world.owner)
    assert client.post("/cases/new/person/", PERSON).status_code == 302
    response = client.post("/cases/new/facts/", facts(world, reception_province=HUGE))
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_a_nul_byte_in_the_wizard_is_refused_and_not_kept(world):
    client = client_for(world.owner)
    response = client.post("/cases/new/person/", PERSON | {"full_name": "Hoa\x00", "home_address": "Bản\x00"})
    assert response.status_code == 400
    assert response.content.decode().count(NUL_MESSAGE) == 2
    assert client.get("/cases/new/review/").status_code == 302  # step 1 was not accepted


@translation.override("en")
def test_the_guard_covers_every_field_of_a_form():
    """Every field of the wizard's forms refuses a NUL byte, whatever its type."""
    for form_class in (PersonForm, CaseFactsForm):
        names = list(form_class.base_fields)
        form = form_class(data=dict.fromkeys(names, "a\x00"))
        assert not form.is_valid()
        for name in names:
            field = form_class.base_fields[name]
            if field.disabled or isinstance(field, forms.BooleanField):  # a checkbox is on or off
                continue
            assert any(NUL_MESSAGE in str(error) for error in form.errors.get(name, [])), (form_class, name)
