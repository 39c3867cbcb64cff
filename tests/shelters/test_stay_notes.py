"""Issue 16: the facility's shelter staff add a note and upload a document to a resident's case
from her stay page, through the casework actions, while her stay is current (decision 206)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, CaseEvent, Document, Note, SensitivityClass
from shelters import actions
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.shelters import new_case, place

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% stay note test\n%%EOF\n"


def admitted(w):
    case = new_case(w.social, w.social_worker)
    place(case, w)
    return actions.do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )


def note_url(stay):
    return reverse("shelters:stay-note", args=[stay.public_id])


def document_url(stay):
    return reverse("shelters:stay-document", args=[stay.public_id])


def pdf():
    return SimpleUploadedFile("giay-kham.pdf", PDF, content_type="application/pdf")


def test_staff_with_a_current_stay_add_a_note_and_a_document(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = sign_in(w.shelter_worker)
    page = client.get(reverse("shelters:stay", args=[stay.public_id])).content.decode()
    assert 'data-testid="stay-note-form"' in page and 'data-testid="stay-document-form"' in page
    # The form offers what the facility holds, `shelter` first chosen.
    assert '<option value="shelter" selected>' in page
    assert '<option value="investigation"' not in page

    response = client.post(note_url(stay), {"body": "Ngủ được, ăn uống tốt hơn.", "sensitivity": "shelter"})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    note = Note.objects.get(case=stay.case)
    assert (note.author, note.agency, note.sensitivity) == (w.shelter_worker, w.facility.agency, "shelter")
    assert CaseEvent.objects.filter(case=stay.case, kind=CaseEvent.Kind.NOTE, actor=w.shelter_worker).count() == 1
    assert AuditEvent.objects.filter(case=stay.case, action=AuditEvent.Action.CREATE, actor=w.shelter_worker).count()

    response = client.post(
        document_url(stay), {"file": pdf(), "kind": "other", "sensitivity": "health", "title": "Giấy khám"}
    )
    assert response.status_code == 302
    document = Document.objects.get(case=stay.case)
    assert (document.uploaded_by, document.sensitivity) == (w.shelter_worker, SensitivityClass.HEALTH)

    page = client.get(reverse("shelters:stay", args=[stay.public_id])).content.decode()
    assert "Ngủ được, ăn uống tốt hơn." in page and "Giấy khám" in page
    # The lead agency reads the shelter's note on the case page.
    case_page = sign_in(w.social_worker).get(reverse("casework:case-detail", args=[stay.case.public_id]))
    assert "Ngủ được, ăn uống tốt hơn." in case_page.content.decode()


def test_a_class_the_facility_does_not_hold_is_refused_with_what_was_typed(shelter_world):
    w = shelter_world
    stay = admitted(w)
    response = sign_in(w.shelter_worker).post(
        note_url(stay), {"body": "Ghi chú giữ lại", "sensitivity": "investigation"}
    )
    assert response.status_code == 400
    assert "Ghi chú giữ lại" in response.content.decode()
    empty = sign_in(w.shelter_worker).post(note_url(stay), {"body": "   ", "sensitivity": "shelter"})
    assert empty.status_code == 400
    bad = sign_in(w.shelter_worker).post(
        document_url(stay),
        {
            "file": SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf"),
            "kind": "other",
            "sensitivity": "shelter",
            "title": "",
        },
    )
    assert bad.status_code == 400
    assert not Note.objects.filter(case=stay.case).exists() and not Document.objects.filter(case=stay.case).exists()


def test_staff_of_another_shelter_get_404(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = sign_in(w.other_shelter_worker)
    before = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=w.other_shelter_worker).count()
    assert client.post(note_url(stay), {"body": "x", "sensitivity": "core"}).status_code == 404
    assert client.post(document_url(stay), {"file": pdf(), "kind": "other", "sensitivity": "core"}).status_code == 404
    after = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=w.other_shelter_worker).count()
    assert after == before + 2
    assert not Note.objects.filter(case=stay.case).exists() and not Document.objects.filter(case=stay.case).exists()


def test_after_the_stay_ends_it_is_refused(shelter_world):
    w = shelter_world
    stay = admitted(w)
    actions.do_discharge(
        stay,
        discharged_at=timezone.now(),
        destination="family",
        reason="Về với gia đình",
        actor=acting(w.shelter_worker),
    )
    client = sign_in(w.shelter_worker)
    page = client.get(reverse("shelters:stay", args=[stay.public_id])).content.decode()
    assert 'data-testid="stay-note-form"' not in page
    assert client.post(note_url(stay), {"body": "Muộn", "sensitivity": "shelter"}).status_code == 403
    assert (
        client.post(document_url(stay), {"file": pdf(), "kind": "other", "sensitivity": "shelter"}).status_code == 403
    )
    refused = AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, actor=w.shelter_worker, case=stay.case)
    assert [row.detail["reason"] for row in refused] == ["stay_ended", "stay_ended"]
    assert not Note.objects.filter(case=stay.case).exists() and not Document.objects.filter(case=stay.case).exists()


def test_the_facilitys_supervisor_reads_but_does_not_record(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = sign_in(w.shelter_supervisor)
    assert client.post(note_url(stay), {"body": "x", "sensitivity": "shelter"}).status_code == 404
    assert not Note.objects.filter(case=stay.case).exists()
