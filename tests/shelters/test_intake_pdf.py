"""The completed intake form as a PDF (issue 16): every section the reader may see, with who
saved it and when and who completed the form, read back from the laid-out PDF; the classes of
the intake page; audited as an export; 404 before completion and for another facility."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.actions import grant_case, revoke_case
from casework.models import AuditEvent, CaseGrant, Role, SensitivityClass
from shelters.models import Intake
from tests.fixtures.personas import sign_in
from tests.shelters.test_intake import fill_all, stay  # noqa: F401 — fixture

FOOTER = "MẬT — chỉ dùng cho công tác hỗ trợ nạn nhân"
NAME = "Lò Thị Mai"


def pdf_url(of_stay):
    return reverse("shelters:intake-pdf", args=[of_stay.public_id])


@pytest.fixture
def completed(shelter_world, stay):  # noqa: F811 — the fixture imported above
    client = sign_in(shelter_world.shelter_worker)
    fill_all(client, stay)
    assert client.post(reverse("shelters:intake-complete", args=[stay.public_id])).status_code == 302
    return stay


def test_the_completed_intake_prints_every_section_with_who_and_when(shelter_world, completed, printed):
    w = shelter_world
    client = sign_in(w.shelter_worker)
    client.cookies["django_language"] = "en"
    response = client.get(pdf_url(completed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="phieu-tiep-nhan-{completed.case.reference}.pdf"'
    assert response["Cache-Control"] == "no-store"
    intake = Intake.objects.get(stay=completed)
    text = printed.text()
    pages = printed.pages()
    for number, page in enumerate(pages, start=1):
        assert FOOTER in page and f"Trang {number} / {len(pages)}" in page
    assert "PHIẾU TIẾP NHẬN BAN ĐẦU" in text and completed.case.reference in text and NAME in text
    completed_at = timezone.localtime(intake.completed_at).strftime("%d/%m/%Y %H:%M")
    assert f"Được {w.shelter_worker} hoàn thành ngày {completed_at}." in text
    assert text.count(f"người lưu: {w.shelter_worker}") == 9  # each section: when and by whom
    # The answers, with their choices' labels in Vietnamese.
    for answer in ("kiệt sức", "Sợ hãi, ít nói", "Y tá Hoa", "200.000", "Lò Văn Dũng", "Học nghề may rồi về nhà"):
        assert answer in text, answer
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=w.shelter_worker)
    assert export.case == completed.case
    assert export.detail == {"document": "intake", "format": "pdf", "stay": str(completed.public_id)}
    assert export.classes == ["health", "identity", "shelter"]


def test_the_completed_intake_page_links_the_pdf(shelter_world, completed):
    page = sign_in(shelter_world.shelter_worker).get(reverse("shelters:intake", args=[completed.public_id]))
    assert f'href="{pdf_url(completed)}"' in page.content.decode()


def test_there_is_no_pdf_before_completion(shelter_world, stay, printed):  # noqa: F811
    client = sign_in(shelter_world.shelter_worker)
    fill_all(client, stay)
    assert client.get(pdf_url(stay)).status_code == 404
    page = client.get(reverse("shelters:intake", args=[stay.public_id])).content.decode()
    assert f'href="{pdf_url(stay)}"' not in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    assert printed.documents == []


@pytest.mark.parametrize("persona", ["other_shelter_worker", "social_worker", "outsider"])
def test_another_facility_or_agency_gets_404_and_a_denied_row(shelter_world, completed, printed, persona):
    user = getattr(shelter_world, persona)
    assert sign_in(user).get(pdf_url(completed)).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=user).count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    assert printed.documents == []


def test_without_health_and_identity_those_sections_and_her_name_are_not_printed(shelter_world, completed, printed):
    w = shelter_world
    group = w.facility.agency.role_groups.get(role=Role.SHELTER_STAFF).group
    for grant in CaseGrant.objects.filter(case=completed.case, group=group, revoked_at__isnull=True):
        revoke_case(grant, actor=w.social_worker)
    grant_case(
        completed.case,
        group=group,
        classes=[SensitivityClass.CORE, SensitivityClass.SHELTER],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-PARTIAL",
        actor=w.social_worker,
    )
    assert sign_in(w.shelter_worker).get(pdf_url(completed)).status_code == 200
    text = printed.text()
    assert "Nhu cầu cấp thiết" in text and "Một túi quần áo" in text  # shelter sections
    for secret in (NAME, "Sợ hãi, ít nói", "Y tá Hoa", "Yếu, sụt cân", "Lò Văn Dũng", "0912345678"):
        assert secret not in text, secret
    for title in ("Tình trạng khi đến cơ sở", "Kiểm tra sức khỏe ban đầu", "Người liên hệ khẩn cấp"):
        assert title not in text, title
    assert completed.case.reference in text
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=w.shelter_worker)
    assert export.classes == ["shelter"]


def test_the_intake_pdf_takes_a_bounded_number_of_queries(shelter_world, completed, django_assert_max_num_queries):
    client = sign_in(shelter_world.shelter_worker)
    with django_assert_max_num_queries(18):
        assert client.get(pdf_url(completed)).status_code == 200
