"""A bulk HTCDS import (decision 255) keeps the dashboards' rollups (decision 245) exact: the
cases it writes without a save signal each are marked through `cases_changed`, and the table
the fold task makes once the import is done (decision 307) equals a rebuild from the cases."""

import io

from django.utils import translation

from casework.models import Role
from dashboards import rollups
from dashboards.models import CaseRollup, IncidentRollup, RollupMark
from devdata.htcds_rows import as_csv, fictional_rows
from exchange import htcds
from messaging.models import OutboxMessage
from tests.fixtures.personas import acting, make_agency, make_user


def table() -> tuple[list, list]:
    names = [field.attname for field in CaseRollup._meta.fields if field.name != "id"]
    rows = sorted(CaseRollup.objects.values_list(*names))
    incidents = sorted(IncidentRollup.objects.values_list("province_id", "month", "incident_id", "child", "recorded"))
    return rows, incidents


def test_a_bulk_import_leaves_the_rollups_a_rebuild_would_write(
    reference_data, django_capture_on_commit_callbacks, settings
):
    # The fold task runs in this process as soon as it is published, broker or not (under
    # CI=true a broker is configured and a worker would run it later, on its own schedule).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    police = make_agency("ir-police", "police", "LCA")
    admin = acting(make_user("ir.admin", police, Role.AGENCY_ADMIN), police)
    source = io.BytesIO(as_csv(fictional_rows(250, seed=7)))
    source.name = "history.csv"
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        report = htcds.import_htcds(source, agency=police, actor=admin)
    assert report.ok and report.created == 250
    # Folded by the task the import enqueued, not inline.
    fold = OutboxMessage.objects.get(task=rollups.FOLD_TASK)
    assert fold.done_at is not None
    assert not RollupMark.objects.exists()
    after_import = table()
    assert after_import[0] and after_import[1], "the file has cases and incidents to count"
    rollups.recompute()
    assert table() == after_import
