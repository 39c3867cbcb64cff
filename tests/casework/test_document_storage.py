"""A case document whose file has gone from storage: the download is a 404, never a 500."""

from django.core.files.uploadedfile import SimpleUploadedFile

from casework import actions
from tests.fixtures.personas import sign_in


def test_a_document_missing_from_storage_is_a_404(world):
    document = actions.do_upload_document(
        world.case,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
        kind="other",
        sensitivity="core",
        title="t",
        actor=world.owner,
        agency=world.police,
        max_bytes=10_000,
    )
    document.file.storage.delete(document.file.name)
    client = sign_in(world.owner)
    client.raise_request_exception = False
    assert client.get(f"/cases/{world.case.public_id}/documents/{document.public_id}/").status_code == 404


def test_the_upload_form_offers_only_the_kinds_of_file_it_accepts(world):
    """The picker shows PDF, PNG and JPEG files; the server still checks the bytes
    (casework/documents.py): `accept` only narrows the browser's picker."""
    client = sign_in(world.owner)
    response = client.get(f"/cases/{world.case.public_id}/documents/form/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'accept=".pdf,.png,.jpg,.jpeg"' in response.content.decode()
