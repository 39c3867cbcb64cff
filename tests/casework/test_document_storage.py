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
