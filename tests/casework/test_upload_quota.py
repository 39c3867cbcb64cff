"""Upload quotas (ASVS 12.1.3): a case holds at most DOCUMENT_MAX_PER_CASE files, and one
account uploads at most DOCUMENT_USER_DAILY_FILES files or DOCUMENT_USER_DAILY_BYTES in 24
hours; a refusal says which limit and why, stores nothing and is audited."""

import datetime

import pytest
from django.utils import timezone

from casework.models import AuditEvent, Document
from tests.casework.test_bad_input import PDF, _upload, client_for, form_refusals
from tests.fixtures.personas import acting, make_case

pytestmark = pytest.mark.django_db


def refusals() -> list[str]:
    return [row.detail["reason"] for row in AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED)]


def test_a_case_holds_at_most_its_quota_of_documents(world, settings):
    settings.DOCUMENT_MAX_PER_CASE = 2
    client = client_for(world.owner)
    for number in range(2):
        assert _upload(client, world.case, f"{number}.pdf", PDF).status_code == 302
    response = _upload(client, world.case, "third.pdf", PDF)
    assert any("already holds 2 documents" in text for text in form_refusals(response)), form_refusals(response)
    assert Document.objects.filter(case=world.case).count() == 2
    assert any("already holds 2 documents" in reason for reason in refusals())
    # Another case of the same user still takes files.
    other = make_case(world.police, acting(world.owner), name="Lò Thị Mai")
    assert _upload(client, other, "other.pdf", PDF).status_code == 302
    assert Document.objects.filter(case=other).count() == 1


def test_one_account_uploads_at_most_its_daily_files_and_bytes(world, settings):
    settings.DOCUMENT_USER_DAILY_FILES = 3
    client = client_for(world.owner)
    for number in range(3):
        _upload(client, world.case, f"{number}.pdf", PDF)
    response = _upload(client, world.case, "fourth.pdf", PDF)
    assert any("last 24 hours" in text for text in form_refusals(response)), form_refusals(response)
    assert Document.objects.count() == 3
    # A colleague is not held up by it.
    assert _upload(client_for(world.colleague), world.case, "colleague.pdf", PDF).status_code == 302
    assert Document.objects.count() == 4
    # A day later the account uploads again.
    Document.objects.filter(uploaded_by=world.owner).update(uploaded_at=timezone.now() - datetime.timedelta(hours=25))
    _upload(client, world.case, "next-day.pdf", PDF)
    assert Document.objects.filter(uploaded_by=world.owner).count() == 4


def test_the_daily_bytes_count_the_file_being_uploaded(world, settings):
    settings.DOCUMENT_USER_DAILY_BYTES = 2 * len(PDF) + 10
    client = client_for(world.owner)
    _upload(client, world.case, "a.pdf", PDF)
    _upload(client, world.case, "b.pdf", PDF)
    response = _upload(client, world.case, "c.pdf", PDF)
    assert any("last 24 hours" in text for text in form_refusals(response)), form_refusals(response)
    assert Document.objects.count() == 2
