"""HTCDS 2.0 as JSON: the export's own rows (`exchange.htcds.iter_htcds_rows`, columns of a
class not held blank, decision 170) and the importer's own checks and writes
(`exchange.htcds.import_htcds`: every row checked before any is written), one page or one
small payload per call (decision 235)."""

import csv
import hashlib
import io
import json
import uuid

from django.conf import settings
from django.db.models import Subquery
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.auth import ClientAuth
from api.errors import Invalid
from api.models import ApiClient, Scope
from api.schemas import ErrorOut, HtcdsImportIn, HtcdsImportOut, HtcdsPage, HtcdsRefusedOut
from casework import audit
from casework.access import visible_cases
from casework.models import AuditEvent
from exchange import htcds

router = Router(tags=["htcds"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}
# The first data row of the CSV the rows are handed over as (row 1 is the header).
FIRST_ROW = 2


class ExportQuery(Schema):
    limit: int = Field(100, ge=1, le=500)
    after: uuid.UUID | None = Field(None, description="The `next` of the previous page.")


@router.get("/htcds/export", response={200: HtcdsPage, **ERRORS}, auth=ClientAuth(Scope.HTCDS_EXPORT))
def export(request: HttpRequest, query: Query[ExportQuery]):
    """The agency's visible cases as HTCDS rows, oldest registered first; merged cases are
    exported as their survivor, as in the file export."""
    user = request.user
    cases = visible_cases(user).filter(merged_into__isnull=True)
    if query.after is not None:
        anchor = visible_cases(user).filter(public_id=query.after).values("pk")[:1]
        cases = cases.filter(pk__gt=Subquery(anchor))
    page = list(cases.order_by("pk").values_list("pk", "public_id")[: query.limit + 1])
    shown = page[: query.limit]
    annotated = htcds.annotate_classes(cases.filter(pk__in=[pk for pk, _code in shown]), user)
    rows = [
        dict(zip(htcds.COLUMNS, values, strict=True))
        for values in htcds.iter_htcds_rows(annotated, htcds.row_classes, htcds.Viewer.of(user))
    ]
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=user,
        agency=user.active_membership.agency,
        detail={"kind": "htcds", "format": "json", "rows": len(rows), "after": str(query.after or "")},
    )
    return {"columns": list(htcds.COLUMNS), "rows": rows, "next": shown[-1][1] if len(page) > query.limit else None}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_csv(rows: list[dict]) -> bytes:
    """The rows as the UTF-8 CSV the file import reads: the known columns in the template's
    order, then any others (which the importer refuses by name)."""
    names = {name for row in rows for name in row}
    header = [name for name in htcds.COLUMNS if name in names] + sorted(names - set(htcds.COLUMNS))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in header])
    return out.getvalue().encode("utf-8")


@router.post(
    "/htcds/import",
    response={**ERRORS, 200: HtcdsImportOut, 413: ErrorOut, 422: HtcdsRefusedOut},
    auth=ClientAuth(Scope.HTCDS_IMPORT),
)
def import_rows(request: HttpRequest, payload: HtcdsImportIn):
    """Check every row as the file import does, then write them or say what is wrong where
    (`row` is the index in `rows`). Written as the file import writes (decision 257), a row the
    casework rules refuse stops the import there: the 422 counts the rows before it."""
    user, client = request.user, request.auth
    assert isinstance(client, ApiClient)
    limit = settings.CAUNOI_API_IMPORT_MAX_ROWS
    if len(payload.rows) > limit:
        raise Invalid(
            _("At most %(limit)s rows per call; send a larger set as a file on the import page.") % {"limit": limit},
            status=413,
        )
    agency = user.active_membership.agency
    content = as_csv(payload.rows)
    name = f"api-{client.token_prefix}.json"
    audit.record(
        AuditEvent.Action.CREATE,
        actor=user,
        agency=agency,
        detail={
            "htcds_upload": name,
            "rows": len(payload.rows),
            "sha256": hashlib.sha256(json.dumps(payload.rows, sort_keys=True).encode()).hexdigest(),
        },
    )
    source = io.BytesIO(content)
    source.name = name
    historic = {"historic": True, "live": False}.get(payload.mode)
    report = htcds.import_htcds(source, agency=agency, actor=user, historic=historic)
    if not report.ok:
        problems = [
            {
                "row": problem.row - FIRST_ROW if problem.row is not None else None,
                "column": problem.column,
                "message": str(problem.message),
            }
            for problem in report.problems
        ]
        written = report.created + report.updated + report.unchanged
        detail = _("Nothing was imported: see the problems.")
        if written:
            # Refused while writing: the rows before the refused one are in (decision 303).
            detail = ngettext(
                "The import stopped after %(count)s row: see the problems. Send the rows again once they are"
                " put right: those already imported are found, not registered twice.",
                "The import stopped after %(count)s rows: see the problems. Send the rows again once they are"
                " put right: those already imported are found, not registered twice.",
                written,
            ) % {"count": written}
        counts = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        return Status(422, {"detail": detail, "problems": problems, **counts})
    return Status(
        200,
        {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "historic": report.historic,
        },
    )
