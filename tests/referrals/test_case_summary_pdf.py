"""The printable case summary (issue 16): what each reader may read of the case, from the one
field → class table the case page reads (casework/disclosure.py), read back from the laid-out
PDF; audited as an export; 404 for a case the reader cannot see."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import actions as casework_actions
from casework.access import case_classes
from casework.disclosure import CASE_FIELDS, SECTIONS, section_class, shown_sections
from casework.models import AuditEvent, CaseGrant, Role, SensitivityClass
from referrals.views import summary
from shelters.actions import do_admit_from_placement
from tests.fixtures.personas import acting, make_agency, make_user, sign_in
from tests.fixtures.shelters import new_case, place, shelter_world  # noqa: F401 — fixture

NAME = "Lò Thị Mai"
CRIMINAL_CASE = "HS-77/2026"
FOOTER = "MẬT — chỉ dùng cho công tác hỗ trợ nạn nhân"


@pytest.fixture
def sheltered(shelter_world):  # noqa: F811 — the fixture imported above
    """A case of the Lào Cai social protection agency, linked to an incident, placed and staying
    at the Hà Nội Peace House."""
    w = shelter_world
    w.case = new_case(w.social, w.social_worker, name=NAME)
    casework_actions.do_link_incident(
        w.case, None, actor=acting(w.social_worker), agency=w.social, criminal_case_number=CRIMINAL_CASE
    )
    place(w.case, w)
    do_admit_from_placement(w.case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker))
    return w


def url(case) -> str:
    return reverse("case-summary-pdf", args=[case.public_id])


def holder(w, code: str, classes: list[str]):
    """A supervisor of another agency whose group holds `classes` on the case."""
    agency = make_agency(code, "ngo", "HN")
    user = make_user(f"{code}.supervisor", agency, Role.SUPERVISOR)
    casework_actions.grant_case(
        w.case,
        group=agency.role_groups.get(role=Role.SUPERVISOR).group,
        classes=classes,
        source=CaseGrant.Source.REFERRAL,
        source_ref=f"R-{code}",
        actor=w.social_worker,
    )
    return user


# The table -------------------------------------------------------------------------------------


def test_every_field_of_a_section_needs_one_class_and_every_printed_field_has_a_row():
    assert set(CASE_FIELDS.values()) <= set(SensitivityClass.values)
    for section in SECTIONS:
        section_class(section)  # one class per section, or KeyError
    assert shown_sections({"core"})["person"] is False and shown_sections({"core", "identity"})["person"] is True
    with pytest.raises(KeyError):
        summary.shows({"core"}, "person.favourite_colour")


def test_the_printed_fields_are_the_tables_fields(sheltered):
    """A field printed without a row in the table, or a row no longer printed, fails here."""
    case = sheltered.case
    printed_keys = {
        key
        for rows in (summary._summary_rows(case), summary._person_rows(case), summary._investigation_rows(case))
        for key, _label, _value in rows
    }
    row_keys = {key for key in CASE_FIELDS if key.split(".")[0] in ("summary", "person", "investigation")}
    assert printed_keys == row_keys


# The PDF ---------------------------------------------------------------------------------------


def test_the_lead_prints_everything_in_vietnamese_with_the_footer_and_page_numbers(sheltered, printed):
    w = sheltered
    client = sign_in(w.social_worker)
    client.cookies["django_language"] = "en"
    response = client.get(url(w.case))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="tom-tat-{w.case.reference}.pdf"'
    assert response["Cache-Control"] == "no-store"
    pages = printed.pages()
    text = printed.text()
    for page, number in zip(pages, range(1, len(pages) + 1), strict=True):
        assert FOOTER in page and f"Trang {number} / {len(pages)}" in page
    assert "TÓM TẮT HỒ SƠ" in text and w.case.reference in text and w.social.name.upper() in text
    assert NAME in text and CRIMINAL_CASE in text and w.facility.name in text
    assert "Lưu trú tại cơ sở tạm lánh" in text and "Kế hoạch hỗ trợ" in text and "Diễn biến gần đây" in text
    assert timezone.localtime().strftime("%d/%m/%Y") in text  # the printed date
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=w.social_worker)
    assert export.case == w.case
    assert export.detail == {"document": "case_summary", "format": "pdf"}
    assert set(export.classes) == case_classes(acting(w.social_worker), w.case)


# What the PDF prints to a holder is what its case page shows it (and no more).
PLANTED = {NAME: SensitivityClass.IDENTITY, CRIMINAL_CASE: SensitivityClass.INVESTIGATION}


@pytest.mark.parametrize(
    "classes",
    [
        [SensitivityClass.CORE],
        [SensitivityClass.CORE, SensitivityClass.IDENTITY],
        [SensitivityClass.CORE, SensitivityClass.INVESTIGATION],
        [SensitivityClass.CORE, SensitivityClass.SHELTER],
        [SensitivityClass.CORE, SensitivityClass.SUPPORT],
    ],
    ids=["core", "core+identity", "core+investigation", "core+shelter", "core+support"],
)
def test_a_holder_gets_only_the_fields_of_its_classes_as_on_its_case_page(sheltered, printed, classes):
    w = sheltered
    user = holder(w, "x-holder", classes)
    assert case_classes(acting(user), w.case) == set(classes)
    client = sign_in(user)
    assert client.get(url(w.case)).status_code == 200
    text = printed.text()
    page = client.get(reverse("casework:case-detail", args=[w.case.public_id])).content.decode()
    for word, cls in PLANTED.items():
        assert (word in text) == (cls in classes), word
        assert (word in page) == (word in text), word
    # Where she stays: the facility and its stay need `shelter` on the page and on paper.
    assert ("Lưu trú tại cơ sở tạm lánh" in text) == (SensitivityClass.SHELTER in classes)
    assert (w.facility.name in page) == (w.facility.name in text) == (SensitivityClass.SHELTER in classes)
    assert ("Kế hoạch hỗ trợ" in text) == (SensitivityClass.SUPPORT in classes)
    assert ('id="support"' in page) == (SensitivityClass.SUPPORT in classes)
    if SensitivityClass.IDENTITY not in classes:
        assert "Thông tin nhân thân của hồ sơ này không được chia sẻ với cơ quan của bạn." in text
        assert "1999" not in text
    # Another agency sees no referral it is not at an end of, on paper as on the page.
    assert "Chưa có chuyển gửi nào." in text
    assert w.case.reference in text
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=user)
    assert export.classes == sorted(classes)


def test_an_outsider_gets_404_a_denied_row_and_nothing_printed(sheltered, printed):
    w = sheltered
    response = sign_in(w.outsider).get(url(w.case))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=w.outsider, case=w.case).count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    assert printed.documents == []


def test_the_case_page_links_the_summary(sheltered):
    w = sheltered
    page = sign_in(w.social_worker).get(reverse("casework:case-detail", args=[w.case.public_id])).content.decode()
    assert f'href="{url(w.case)}"' in page


def test_the_summary_takes_a_bounded_number_of_queries(sheltered, django_assert_max_num_queries):
    w = sheltered
    client = sign_in(w.social_worker)
    with django_assert_max_num_queries(25):
        assert client.get(url(w.case)).status_code == 200


def test_the_summary_queries_do_not_grow_with_offenders_and_timeline_lines(sheltered, printed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.models import Country, Offender

    w = sheltered
    client = sign_in(w.social_worker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url(w.case)).status_code == 200
        return len(context.captured_queries)

    country = Country.objects.first()
    casework_actions.do_add_offender(
        w.case, Offender(full_name="Đối tượng A", nationality=country), actor=acting(w.social_worker)
    )
    before = queries()
    for name in ("Đối tượng B", "Đối tượng C", "Đối tượng D"):
        casework_actions.do_add_offender(
            w.case, Offender(full_name=name, nationality=country), actor=acting(w.social_worker)
        )
    assert queries() == before
    assert "Đối tượng D" in printed.text()  # the offenders are printed, not left out
