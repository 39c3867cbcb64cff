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

from casework.auth import recent_auth_required
from casework.models import (
    AuditEvent,
    CameToNotice,
    CaseStatus,
    Country,
    EthnicGroup,
    FormerProvince,
    LegalRegime,
    Membership,
    PersonStatus,
    PicklistValue,
    Province,
    ReturnMode,
)
from casework.views.common import is_htmx, membership_required, record_read
from exchange import imports, jobs
from exchange.htcds.columns import (
    CASE_STATUSES,
    DECISION_ORGS,
    GENDERS,
    PERSON_STATUS_FROM_HTCDS,
    PICKLIST_COLUMNS,
    REFERRAL_REASONS,
    ROLE_FROM_HTCDS,
)
from exchange.htcds.files import REQUIRED_COLUMNS
from exchange.models import ImportJob
from shelters.models import Facility, FollowUpOutcome

LISTED = 20


def _codes(values) -> list[tuple[str, str]]:
    return [(value, "") for value in values]


def _choices(choices) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in choices]


def _both_names(place) -> str:
    """A file may name a province in either language."""
    return place.name if place.name_en in ("", place.name) else f"{place.name} ({place.name_en})"


def coded_columns() -> list[tuple[str, list[tuple[str, str]]]]:
    """Each coded column with its valid values (value, label), for the import page: the
    values of the standard's picklists, then those of the reference data and the extension."""
    picklists = {}
    for value in PicklistValue.objects.filter(is_active=True):
        picklists.setdefault(value.list_name, []).append((value.code, value.label))
    provinces = [(province.code, _both_names(province)) for province in Province.objects.all()]
    former = [
        (former.code, f"{_both_names(former)} → {former.successor.name}")
        for former in FormerProvince.objects.select_related("successor").order_by("code")
    ]
    countries = [(f"{country.alpha2} / {country.alpha3}", country.label) for country in Country.objects.all()]
    columns = [
        ("prs_Gender", _codes(GENDERS)),
        ("con_Consent", [("TRUE", ""), ("FALSE", ""), ("", _("blank: not known"))]),
        (
            "prs_Citizenship",
            [
                ("", _("ISO 3166 alpha-2 or alpha-3, several separated by “;”; the first is the nationality")),
                *countries,
            ],
        ),
        (
            "prs_MailingState, cnx_ReceptionProvince",
            [*provinces, ("", _("or a province before 07/2025, by name or GSO code:")), *former],
        ),
        ("vic_TraffickingStatus", _codes(PERSON_STATUS_FROM_HTCDS)),
        ("vic_TraffickinStatusDecisionMakingOrg", _codes(DECISION_ORGS)),
        *((column, picklists.get(list_name, [])) for column, list_name in PICKLIST_COLUMNS.items()),
        ("cas_Status", _codes(CASE_STATUSES)),
        ("cas_ReasonForIncomingReferral, cas_ReasonForOutgoingReferral", _codes(REFERRAL_REASONS)),
        ("cnx_CameToNotice", _choices(CameToNotice.choices)),
        ("cnx_ReturnMode", _choices(ReturnMode.choices)),
        ("cnx_PersonStatus", _choices(PersonStatus.choices)),
        ("cnx_CaseStatus", _choices(CaseStatus.choices)),
        ("cnx_Ethnicity", [(group.code, group.label) for group in EthnicGroup.objects.all()]),
        ("cnx_LegalRegime", _choices(LegalRegime.choices)),
        ("per_RoleInProcess", _codes(ROLE_FROM_HTCDS)),
        ("cnx_FollowUpOutcome", _choices(FollowUpOutcome.choices)),
    ]
    return columns


def _importer(request) -> Membership:
    return jobs.member_or_404(request, {imports.IMPORTER_ROLE})


def access_import(request, public_id) -> ImportJob:
    """The uploader's own job, uploaded under the membership she is acting for now; else 404."""
    return jobs.own_job_or_404(ImportJob, request, public_id, {imports.IMPORTER_ROLE})


def _jobs_page(request, membership: Membership, form=None, *, status: int = 200):
    listed = list(jobs.mine(ImportJob, request, membership).order_by("-created_at", "-id")[:LISTED])
    record_read(request, AuditEvent.Action.LIST, detail={"page": "imports", "shown": len(listed)})
    context = {
        "jobs": listed,
        "form": form or imports.ImportUploadForm(),
        "required_columns": REQUIRED_COLUMNS,
        "coded_columns": coded_columns(),
        # The codes a past stay's cnx_Facility may name (decision 121): the agency's own.
        "facilities": list(Facility.objects.filter(agency=membership.agency).order_by("code")),
        "agency_province": membership.agency.province,
    }
    return render(request, "exchange/imports.html", context, status=status)


@membership_required
@recent_auth_required
def import_list(request):
    return _jobs_page(request, _importer(request))


@membership_required
@recent_auth_required
@require_POST
def import_create(request):
    membership = _importer(request)
    form = imports.ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _jobs_page(request, membership, form, status=400)
    job = imports.do_request_import(form.cleaned_data["file"], actor=request.user, mode=form.cleaned_data["mode"])
    if is_htmx(request):
        return render(request, "exchange/_import_job.html", {"job": job})
    messages.success(request, _("The file has been uploaded. Its import is shown here."))
    return redirect("exchange:imports")


@membership_required
def import_status(request, job):
    job = access_import(request, job)
    record_read(request, obj=job, detail={"page": "import-status", "status": job.status})
    return render(request, "exchange/_import_job.html", {"job": job})
