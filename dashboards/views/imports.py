"""HTCDS import jobs: upload a file, watch its progress, read its problems.

Only agency administrators import: an import registers cases for the whole agency, where a
caseworker registers one at a time through the wizard. A job is for the person who uploaded
it, while acting for the same agency and role; anyone else gets the same 404 as for a job
that does not exist, and a denied audit row.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.models import Membership
from casework.views.common import is_htmx, membership_required
from dashboards import imports, jobs
from dashboards.htcds.reading import REQUIRED_COLUMNS
from dashboards.models import ImportJob

LISTED = 20


def _importer(request) -> Membership:
    return jobs.member_or_404(request, {imports.IMPORTER_ROLE})


def access_import(request, public_id) -> ImportJob:
    """The uploader's own job, uploaded under the membership she is acting for now; else 404."""
    return jobs.own_job_or_404(ImportJob, request, public_id, {imports.IMPORTER_ROLE})


def _jobs_page(request, membership: Membership, form=None, *, status: int = 200):
    context = {
        "jobs": jobs.mine(ImportJob, request, membership).order_by("-created_at", "-id")[:LISTED],
        "form": form or imports.ImportUploadForm(),
        "required_columns": REQUIRED_COLUMNS,
    }
    return render(request, "dashboards/imports.html", context, status=status)


@membership_required
def import_list(request):
    return _jobs_page(request, _importer(request))


@membership_required
@require_POST
def import_create(request):
    membership = _importer(request)
    form = imports.ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _jobs_page(request, membership, form, status=400)
    job = imports.do_request_import(form.cleaned_data["file"], actor=request.user)
    if is_htmx(request):
        return render(request, "dashboards/_import_job.html", {"job": job})
    messages.success(request, _("The file has been uploaded. Its import is shown here."))
    return redirect("dashboards:imports")


@membership_required
def import_status(request, job):
    return render(request, "dashboards/_import_job.html", {"job": access_import(request, job)})
