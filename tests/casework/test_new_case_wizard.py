import hashlib
import hmac

import pytest
from django.utils import timezone

from casework.lib.identifiers import identifier_digest
from casework.models import AuditEvent, Case, CaseEvent, CaseStatus, PicklistValue, Province
from tests.fixtures.personas import make_case, sign_in


def person_step(**overrides):
    data = {
        "full_name": "Lò Thị Sua",
        "sex": "female",
        "birth_year": "2000",
        "home_province": str(Province.objects.get(code="LCA").pk),
        "poor_household": "unknown",
    }
    data.update(overrides)
    return data


def facts_step(**overrides):
    data = {
        "came_to_notice": "border_handover",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "reception_province": str(Province.objects.get(code="LCA").pk),
        "exploitation_forms": [str(PicklistValue.objects.get(code="ForcedMarriage").pk)],
    }
    data.update(overrides)
    return data


def run_wizard(client, person=None, facts=None):
    assert client.post("/cases/new/person/", person or person_step()).status_code == 302
    assert client.post("/cases/new/facts/", facts or facts_step()).status_code == 302
    return client.get("/cases/new/review/")


def test_registering_a_case_through_the_wizard(world):
    client = sign_in(world.owner)
    review = run_wizard(client)
    assert review.status_code == 200
    assert "Lò Thị Sua" in review.content.decode()
    response = client.post("/cases/new/review/", {"create": "1"})
    case = Case.objects.exclude(pk=world.case.pk).get()
    assert response["Location"] == f"/cases/{case.public_id}/"
    assert case.person.full_name == "Lò Thị Sua"
    assert case.status == CaseStatus.REPORTED
    assert case.owning_agency == world.police
    assert list(case.exploitation_forms.values_list("code", flat=True)) == ["ForcedMarriage"]
    # The wizard's draft is gone once the case exists.
    assert client.get("/cases/new/review/")["Location"] == "/cases/new/person/"


def test_a_same_name_birth_year_and_province_is_flagged_as_a_possible_duplicate(world):
    client = sign_in(world.colleague)
    review = run_wizard(client, person=person_step(full_name="Nguyen Thi Lan", birth_year="1999"))
    assert b'data-testid="duplicate-warning"' in review.content
    assert world.case.reference.encode() in review.content
    refused = client.post("/cases/new/review/", {"create": "1"})
    assert refused.status_code == 400
    assert Case.objects.count() == 1
    client.post("/cases/new/review/", {"create": "1", "confirm_not_duplicate": "on"})
    assert Case.objects.count() == 2


def test_a_same_document_number_is_a_possible_duplicate(world):
    existing = make_case(world.police, world.owner, name="Hà Thị Khánh", document_number="001199012345")
    client = sign_in(world.colleague)
    review = run_wizard(
        client, person=person_step(full_name="Khác Tên", document_type="cccd", document_number="001-199-012-345")
    )
    assert existing.reference.encode() in review.content


def test_duplicates_in_other_agencies_are_not_disclosed_but_their_owner_is_told(world):
    client = sign_in(world.outsider)
    review = run_wizard(client, person=person_step(full_name="Nguyễn Thị Lan", birth_year="1999"))
    content = review.content.decode()
    assert 'data-testid="duplicate-warning"' not in content
    assert world.case.reference not in content and world.police.name not in content
    check = AuditEvent.objects.get(action=AuditEvent.Action.SEARCH, actor=world.outsider)
    assert check.detail["name"] == "nguyen thi lan" and check.detail["elsewhere"] == 1
    client.post("/cases/new/review/", {"create": "1"})
    new_case = Case.objects.exclude(pk=world.case.pk).get()
    told = world.case.events.get(kind=CaseEvent.Kind.POSSIBLE_DUPLICATE)
    assert new_case.reference in told.reason
    # The owning police see it on the old case's timeline; the shelter that holds a referral does not.
    assert new_case.reference in sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert new_case.reference not in sign_in(world.shelter).get(f"/cases/{world.case.public_id}/").content.decode()


@pytest.mark.parametrize("prefix", ["n", "nguyen t", "Nguyễn Thị L"])
def test_a_name_prefix_never_matches_so_names_cannot_be_spelled_out(world, prefix):
    client = sign_in(world.colleague)
    review = run_wizard(client, person=person_step(full_name=prefix, birth_year="1999"))
    assert b'data-testid="duplicate-warning"' not in review.content


def test_the_duplicate_check_records_what_was_searched(world):
    client = sign_in(world.colleague)
    run_wizard(client, person=person_step(document_type="cccd", document_number="001 2345"))
    check = AuditEvent.objects.get(action=AuditEvent.Action.SEARCH, actor=world.colleague)
    assert check.detail["document_hmac"] == identifier_digest("0012345")
    assert "document_sha256" not in check.detail
    assert check.detail["province"] == "LCA"


def test_the_duplicate_check_keeps_a_keyed_digest_not_a_bare_hash(world, settings):
    """Issue 17: a bare SHA-256 of a 12-digit CCCD is reversed by brute force in under a second.
    The audit row holds an HMAC that needs the server's key, stable for matching."""
    number = "001203004567"
    client = sign_in(world.colleague)
    for _ in range(2):
        run_wizard(client, person=person_step(document_type="cccd", document_number=number))
    checks = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH, actor=world.colleague).order_by("pk")
    digests = [event.detail["document_hmac"] for event in checks]
    assert len(digests) == 2 and digests[0] == digests[1]  # the same number matches itself
    stored = digests[0]
    assert len(stored) == 64
    assert stored != hashlib.sha256(number.encode()).hexdigest()
    assert number not in str(checks[0].detail)
    # Derived from SECRET_KEY with a salt of its own: neither a plain HMAC under SECRET_KEY...
    assert stored != hmac.new(settings.SECRET_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()
    # ...nor the same under another secret key.
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"
    assert identifier_digest(number) != stored
    # A key of its own wins over the derived one, and is used as an HMAC key.
    settings.CAUNOI_IDENTIFIER_KEY = "a-separate-identifier-key-0123456789-abcdefghijkl"
    expected = hmac.new(settings.CAUNOI_IDENTIFIER_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()
    assert identifier_digest(number) == expected


def test_a_reception_date_before_1990_is_refused(world):
    client = sign_in(world.owner)
    client.post("/cases/new/person/", person_step())
    response = client.post("/cases/new/facts/", facts_step(received_at="0001-01-01T00:30"))
    assert response.status_code == 400


def test_an_invalid_step_keeps_what_was_typed(world):
    client = sign_in(world.owner)
    response = client.post("/cases/new/person/", person_step(birth_year="2999", other_names="Mỷ"))
    assert response.status_code == 400
    content = response.content.decode()
    assert 'value="Lò Thị Sua"' in content and 'value="Mỷ"' in content
    assert "is-invalid" in content
    # Coming back later shows the same draft.
    assert 'value="Lò Thị Sua"' in client.get("/cases/new/person/").content.decode()


@pytest.mark.parametrize("step", ["facts", "review"])
def test_skipping_ahead_returns_to_the_first_incomplete_step(world, step):
    client = sign_in(world.owner)
    response = client.get(f"/cases/new/{step}/")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == "/cases/new/person/"


def test_an_unknown_step_redirects_to_the_start(world):
    assert sign_in(world.owner).get("/cases/new/nonsense/")["Location"] == "/cases/new/person/"


def test_the_wizard_records_a_stateless_resident_still_abroad(world):
    """The two facts that decide rows of Law 53 art. 37's table (support entitlements)."""
    client = sign_in(world.owner)
    review = run_wizard(client, person=person_step(stateless_resident="on"), facts=facts_step(abroad="on"))
    assert "True" not in review.content.decode()
    client.post("/cases/new/review/", {"create": "1"})
    case = Case.objects.exclude(pk=world.case.pk).get()
    assert case.abroad is True and case.person.stateless_resident is True


def _review_lists(content: str) -> dict[str, str]:
    """The review step's person and facts lists as {label: text}."""
    import re

    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", content))


def test_the_review_shows_what_was_chosen_in_words_not_codes_or_substring_matches(world):
    from casework.models import Country

    china = Country.objects.get(alpha2="CN")
    client = sign_in(world.owner)
    review = run_wizard(
        client,
        person=person_step(nationality=str(china.pk), birth_date="2004-03-09", birth_year=""),
        facts=facts_step(
            destination_country=str(china.pk),
            received_at="2026-11-21T09:30",
            absent_from="2026-01-05",
        ),
    )
    shown = _review_lists(review.content.decode())
    # One country, by its label: not every country whose code contains "C" or "N".
    assert shown["Quốc tịch"] == china.label
    assert shown["Nước đến"] == china.label
    assert shown["Ngày sinh"] == "09/03/2004"
    assert shown["Thời điểm tiếp nhận"] == "21/11/2026 09:30"
    assert shown["Vắng mặt tại nơi cư trú từ ngày"] == "05/01/2026"
    assert shown["Hình thức bóc lột"] == PicklistValue.objects.get(code="ForcedMarriage").label
    assert shown["Giới tính"] == "nữ"
    # "unknown" (poor household) is not a fact: it is left out rather than shown as a code.
    assert "unknown" not in review.content.decode()
    assert not any(label.startswith("Hộ nghèo") for label in shown)


def test_a_review_submitted_again_finds_its_case_instead_of_making_a_second(world):
    """The answer to the first submission never arrived (a 500 after the commit, a lost
    connection): the session still holds the wizard, the user presses the button again."""
    from casework.models import Draft, RegistrationToken

    client = sign_in(world.owner)
    run_wizard(client)
    kept = Draft.objects.get(user=world.owner)  # the draft as it was before the lost answer
    first = client.post("/cases/new/review/", {"create": "1"})
    assert first.status_code == 302
    case = Case.objects.get(person__full_name="Lò Thị Sua")
    assert not Draft.objects.filter(user=world.owner).exists()
    kept.save(force_insert=True)  # as if the registration's answer had never arrived
    again = client.post("/cases/new/review/", {"create": "1"}, follow=True)
    assert again.redirect_chain[-1][0] == f"/cases/{case.public_id}/"
    assert "Hồ sơ này đã được đăng ký rồi" in again.content.decode()
    assert Case.objects.filter(person__full_name="Lò Thị Sua").count() == 1
    assert RegistrationToken.objects.filter(case=case, user=world.owner).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, case=case).count() >= 1


def test_a_new_sitting_of_the_wizard_registers_a_new_case(world):
    client = sign_in(world.owner)
    run_wizard(client)
    client.post("/cases/new/review/", {"create": "1"})
    client.get("/cases/new/?restart=1")
    run_wizard(client, person=person_step(full_name="Lò Thị Pàng"))
    client.post("/cases/new/review/", {"create": "1"})
    assert Case.objects.filter(person__full_name__in=["Lò Thị Sua", "Lò Thị Pàng"]).count() == 2
