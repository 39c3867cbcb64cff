"""Checks an uploaded document passes before it is stored: its kind by its first bytes, its
size, and the upload quotas (ASVS 12.1.3). Used by `casework.actions.do_upload_document`."""

import datetime

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.lib.text import megabytes
from casework.models import Case, Document, User
from casework.refusals import CaseworkError

# Uploads are checked by their first bytes, not by the name or the browser's claim.
DOCUMENT_SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


def check_document(upload, max_bytes: int) -> str:
    """The content type of an acceptable upload; CaseworkError otherwise."""
    if upload.size == 0:
        raise CaseworkError(_("The file is empty."), field="file")
    if upload.size > max_bytes:
        raise CaseworkError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": megabytes(upload.size), "limit": megabytes(max_bytes)},
            field="file",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, (content_type, _extension) in DOCUMENT_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    raise CaseworkError(_("Only PDF, PNG and JPEG files can be uploaded."), field="file")


def check_upload_quota(case: Case, actor: User, size: int) -> None:
    """ASVS 12.1.3: at most DOCUMENT_MAX_PER_CASE files on a case, and per user at most
    DOCUMENT_USER_DAILY_FILES files or DOCUMENT_USER_DAILY_BYTES in 24 hours, so that one
    account (or one stolen session) cannot fill the document store."""
    if Document.objects.filter(case=case).count() >= settings.DOCUMENT_MAX_PER_CASE:
        raise CaseworkError(
            _("This case already holds %(count)d documents, the most one case may hold. Ask your administrator.")
            % {"count": settings.DOCUMENT_MAX_PER_CASE}
        )
    used = Document.objects.filter(
        uploaded_by=actor, uploaded_at__gte=timezone.now() - datetime.timedelta(days=1)
    ).aggregate(files=Count("pk"), size=Sum("size"))
    if (
        used["files"] >= settings.DOCUMENT_USER_DAILY_FILES
        or (used["size"] or 0) + size > settings.DOCUMENT_USER_DAILY_BYTES
    ):
        raise CaseworkError(
            _(
                "You have uploaded as many files in the last 24 hours as one account may (%(files)d files or "
                "%(megabytes)d MB). Try again tomorrow, or ask your administrator."
            )
            % {"files": settings.DOCUMENT_USER_DAILY_FILES, "megabytes": settings.DOCUMENT_USER_DAILY_BYTES // 2**20}
        )
