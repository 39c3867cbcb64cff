"""Export jobs: ask for one, watch its progress, download the file.

Only supervisors and agency administrators export (DASHBOARD_ROLES). A job and its file are
for the person who asked, while acting for the same agency and role; anyone else gets the
same 404 as for a job that does not exist, and a denied audit row.
"""

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import audit
from casework.auth import recent_auth_required
from casework.models import AuditEvent, Membership
from casework.views.common import is_htmx, membership_required, record_read
from dashboards.scope import DASHBOARD_ROLES
from exchange import exports, jobs
from exchange.models import ExportJob

LISTED = 20
CONTENT_TYPES = {
    ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
}


def _exporter(request) -> Membership:
    return jobs.member_or_404(request, DASHBOARD_ROLES)


def access_export(request, public_id) -> ExportJob:
    """The requester's own job, asked under the membership she is acting for now; else 404."""
    return jobs.own_job_or_404(ExportJob, request, public_id, DASHBOARD_ROLES)


def _jobs_page(request, membership: Membership, *, problems=(), status: int = 200):
    listed = list(jobs.mine(ExportJob, request, membership).order_by("-created_at", "-id")[:LISTED])
    record_read(request, AuditEvent.Action.LIST, detail={"page": "exports", "shown": len(listed)})
    return render(request, "exchange/exports.html", {"jobs": listed, "problems": problems}, status=status)


@membership_required
@recent_auth_required
def export_list(request):
    return _jobs_page(request, _exporter(request))


@membership_required
@recent_auth_required
@require_POST
def export_create(request):
    membership = _exporter(request)
    form = exports.ExportRequestForm(request.POST)
    problems = []
    params = {}
    if form.is_valid():
        try:
            fixed = form.cleaned_data["kind"] == ExportJob.Kind.STATISTICS and exports.statistics_fixed(
                membership.agency, membership.role, shared=form.cleaned_data["shared"]
            )
            params = exports.clean_params(form.cleaned_data["kind"], request.POST, fixed_periods=fixed)
        except forms.ValidationError as error:
            problems = error.messages
    else:
        problems = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
    if problems:
        return _jobs_page(request, membership, problems=problems, status=400)
    job = exports.do_request_export(
        kind=form.cleaned_data["kind"],
        format=form.cleaned_data["format"],
        params=params,
        shared=form.cleaned_data["shared"],
        actor=request.user,
    )
    if is_htmx(request):
        return render(request, "exchange/_export_job.html", {"job": job})
    messages.success(request, _("The export has been started. It will be ready to download here."))
    return redirect("exchange:exports")


@membership_required
def export_status(request, job):
    job = access_export(request, job)
    record_read(request, obj=job, detail={"page": "export-status", "kind": job.kind, "status": job.status})
    return render(request, "exchange/_export_job.html", {"job": job})


@membership_required
@recent_auth_required
def export_download(request, job):
    job = access_export(request, job)
    if job.status != ExportJob.Status.DONE or not job.file_name:
        raise Http404
    try:
        stored = default_storage.open(job.file_name, "rb")
    except FileNotFoundError:
        raise Http404
    audit.record(
        AuditEvent.Action.DOWNLOAD,
        actor=request.user,
        obj=job,
        detail={"kind": job.kind, "format": job.format, "rows": job.row_count},
    )
    return FileResponse(
        stored, as_attachment=True, filename=job.download_name(), content_type=CONTENT_TYPES[job.format]
    )
