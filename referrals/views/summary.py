"""The printable case summary (issue 16): one PDF of what the reader's case page shows — the
case's facts, the person, the identification decision, the incident, support, referrals, stays,
tasks and the recent timeline — each field printed only when the reader holds its class in
`casework.disclosure.CASE_FIELDS`, the table the case page reads. It lives in referrals, the
highest of the apps whose sections it prints (casework, shelters, support, referrals), so no
lower app imports a higher one (decision 208)."""

import datetime
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.template.defaultfilters import date as format_date
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework import audit
from casework.access import access_case, with_person_details
from casework.disclosure import case_picklists, readable_events, section_class, shows
from casework.lib.pdf import ascii_name, pdf_bytes
from casework.lib.text import vnd
from casework.models import AuditEvent, Case, IdentificationGround
from casework.timeline import AccessChange, fold_access_events
from casework.views.common import membership_required
from referrals.access import case_page_shows_referral
from shelters.models import Stay
from support.entitlements import plan

# The newest timeline lines printed (the case page shows up to 100).
TIMELINE_LINES = 20
EMPTY = "—"


@dataclass
class Section:
    key: str
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    empty: str = ""


def _at(moment, with_time: bool = True) -> str:
    if not moment:
        return ""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment)
    return format_date(moment, "d/m/Y H:i" if with_time else "d/m/Y")


def _join(*parts) -> str:
    return " · ".join(str(part) for part in parts if part)


def _verification(case: Case) -> str:
    if not case.verification_started_at:
        return ""
    if case.verification_concluded_at:
        outcome = (
            case.get_verification_outcome_display()
            if case.verification_outcome
            else _("ended by the identification decision")
        )
        return _join(outcome, _at(case.verification_concluded_at))
    return _("from %(start)s, due %(due)s") % {
        "start": _at(case.verification_started_at),
        "due": _at(case.verification_due_at),
    }


def _identification(case: Case) -> str:
    if not case.identification_authority:
        return ""
    grounds = "; ".join(
        str(IdentificationGround(value).label)
        for value in case.identification_grounds or []
        if value in IdentificationGround.values
    )
    return _join(
        _at(case.identified_on, False) or EMPTY, case.identification_authority, case.identification_document, grounds
    )


def _summary_rows(case: Case) -> list[tuple[str, str, str]]:
    picklists = case_picklists(case)
    whereabouts = ""
    if case.abroad:
        whereabouts = _("still abroad")
    elif case.returned_on:
        whereabouts = _("returned to Vietnam on %(day)s") % {"day": _at(case.returned_on, False)}
    return [
        ("summary.reference", _("Reference number"), case.reference),
        ("summary.status", _("Status"), case.get_status_display()),
        ("summary.person_status", _("Person status"), case.get_person_status_display()),
        ("summary.legal_regime", _("Legal regime"), case.get_legal_regime_display() if case.legal_regime else ""),
        ("summary.is_child", _("Under 18 at reception"), _("yes") if case.is_child else _("no")),
        ("summary.lead_agency", _("Lead agency"), case.owning_agency.label),
        ("summary.assigned_to", _("Assigned caseworker"), str(case.assigned_to or "")),
        ("summary.came_to_notice", _("How the person came to notice"), case.get_came_to_notice_display()),
        (
            "summary.received",
            _("Received at"),
            _join(_at(case.received_at), case.reception_province.label, case.reception_place),
        ),
        ("summary.due_at", _("Current step due"), _at(case.due_at)),
        ("summary.verification", _("Initial verification (3 days)"), _verification(case)),
        ("summary.return_mode", _("How the person returned"), case.get_return_mode_display()),
        (
            "summary.destination_country",
            _("Destination country"),
            case.destination_country.label if case.destination_country else "",
        ),
        ("summary.whereabouts", _("Where the person is"), whereabouts),
        ("summary.route", _("Route"), case.route),
        (
            "summary.absent",
            _("Absent from home"),
            f"{_at(case.absent_from, False) or '?'} – {_at(case.absent_until, False) or '?'}",
        ),
        ("summary.exploitation_forms", _("Forms of exploitation"), ", ".join(picklists["exploitation_type"])),
        ("summary.recruitment_methods", _("Recruitment methods"), ", ".join(picklists["recruitment_method"])),
        ("summary.means_of_control", _("Means of control"), ", ".join(picklists["means_of_control"])),
        ("summary.identification", _("Identification decision"), _identification(case)),
        ("summary.closure_reason", _("Closure reason"), case.closure_reason),
    ]


def _person_rows(case: Case) -> list[tuple[str, str, str]]:
    person = case.person
    if person.poor_household is None:
        poor = _("unknown")
    else:
        poor = _("yes") if person.poor_household else _("no")
    home_province = person.home_province.label if person.home_province else ""
    return [
        (
            "person.full_name",
            _("Full name"),
            _join(person.full_name, f"({person.other_names})" if person.other_names else ""),
        ),
        ("person.sex", _("Sex"), person.get_sex_display()),
        (
            "person.birth",
            _("Date or year of birth"),
            _at(person.birth_date, False) if person.birth_date else str(person.birth_year or ""),
        ),
        ("person.ethnicity", _("Ethnicity"), person.ethnicity.label if person.ethnicity else ""),
        ("person.nationality", _("Nationality"), person.nationality.label if person.nationality else ""),
        (
            "person.document",
            _("Identity document"),
            _join(person.get_document_type_display() if person.document_type else "", person.document_number),
        ),
        ("person.home", _("Home"), _join(person.home_address, home_province)),
        ("person.phone", _("Phone"), person.phone),
        ("person.languages", _("Languages spoken"), person.languages),
        ("person.disability", _("Disability"), person.disability),
        ("person.poor_household", _("Poor household"), poor),
        (
            "person.stateless_resident",
            _("Stateless, living permanently in Vietnam"),
            _("yes") if person.stateless_resident else "",
        ),
        (
            "person.guardian",
            _("Guardian / legal representative"),
            _join(person.guardian_name, person.guardian_relation, person.guardian_phone),
        ),
    ]


def _investigation_rows(case: Case) -> list[tuple[str, str, str]]:
    incident = case.incident
    if incident is None:
        return []
    offenders = [
        ", ".join(
            str(part)
            for part in (
                offender,
                offender.get_role_in_process_display(),
                offender.get_relation_to_victim_display(),
                offender.get_stage_display() if offender.stage else "",
                offender.nationality.label if offender.nationality else "",
            )
            if part
        )
        for offender in incident.offenders.select_related("nationality")
    ]
    return [
        ("investigation.criminal_case_number", _("Criminal case number"), incident.criminal_case_number),
        ("investigation.stage", _("Stage"), incident.get_stage_display()),
        ("investigation.summary", _("Summary"), incident.summary),
        ("investigation.offenders", _("Offenders"), "; ".join(offenders) or _("No offenders recorded.")),
    ]


def _rows(held, rows: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """The rows whose field the reader is shown (`shows` raises on a field without a class)."""
    return [(label, value or EMPTY) for key, label, value in rows if shows(held, key)]


def _task_lines(case: Case) -> list[str]:
    lines = []
    for task in case.tasks.all():
        basis = f" ({task.legal_basis})" if task.legal_basis else ""
        if task.done_at:
            state = _join(_("done") + " " + _at(task.done_at), task.outcome)
        else:
            state = _("due") + " " + (_at(task.due_at) or EMPTY)
        lines.append(f"{task.get_kind_display()}{basis}: {state}")
    return lines


def _referral_lines(case: Case, agency_id: int) -> list[str]:
    return [
        _join(
            referral.reference,
            referral.purpose.label,
            f"{referral.from_agency.label} → {referral.to_agency.label}",
            referral.get_status_display(),
            _at(referral.created_at, False),
        )
        for referral in case.referrals.select_related("purpose", "from_agency", "to_agency")
        if case_page_shows_referral(agency_id, case, referral)
    ]


def _stay_lines(case: Case) -> list[str]:
    lines = []
    for stay in Stay.objects.filter(case=case).select_related("facility").order_by("admitted_at"):
        if stay.discharged_at:
            until = _join(_at(stay.discharged_at, False), stay.get_destination_display())
        else:
            until = _("staying, planned until %(end)s") % {"end": _at(stay.planned_end, False)}
        lines.append(f"{stay.facility.label} · {_at(stay.admitted_at, False)} – {until}")
    return lines


def _support_lines(case: Case) -> list[str]:
    lines = []
    for row in plan(case):
        claims = ", ".join(
            _join(
                _at(claim.filed_on, False),
                claim.get_status_display(),
                vnd(claim.amount_decided_vnd or 0) if claim.amount_decided_vnd else "",
            )
            for claim in row.claims
        )
        paid = _("paid %(amount)s") % {"amount": vnd(row.paid_vnd)} if row.paid_vnd else ""
        lines.append(_join(row.item.label, row.entitlement.reason, claims, paid))
    return lines


def _timeline_lines(case: Case, held) -> list[str]:
    lines = []
    for event in fold_access_events(list(readable_events(case, held, is_lead=held.is_lead, limit=TIMELINE_LINES))):
        who = _join(event.actor or _("system"), event.agency.label if event.agency else "")
        if isinstance(event, AccessChange):  # as the case page folds it (decision 204)
            count = ngettext("%(counter)s change", "%(counter)s changes", event.count) % {"counter": event.count}
            lines.append(f"{_at(event.at)} · {_('Access to the case updated')}: {count} ({who})")
            continue
        move = ""
        if event.old_status or event.new_status:
            old = f"{event.get_old_status_display()} → " if event.old_status else ""
            move = f": {old}{event.get_new_status_display()}"
        lines.append(
            f"{_at(event.at)} · {event.get_kind_display()}{move}{' — ' + event.reason if event.reason else ''} ({who})"
        )
    return lines


def summary_sections(case: Case, held, agency_id: int) -> list[Section]:
    """The summary's sections as the reader holding `held` may read them, in the case page's order."""
    sections = [Section("summary", _("Summary"), rows=_rows(held, _summary_rows(case)))]
    if shows(held, "person.full_name"):
        sections.append(Section("person", _("Person"), rows=_rows(held, _person_rows(with_person_details(case)))))
    else:
        sections.append(
            Section("person", _("Person"), empty=_("Identity data of this case is not shared with your agency."))
        )
    if section_class("investigation") in held:
        rows = _rows(held, _investigation_rows(case))
        sections.append(
            Section("investigation", _("Incident and offenders"), rows=rows, empty=_("No incident linked."))
        )
    if section_class("tasks") in held:
        sections.append(Section("tasks", _("Tasks of the lead agency"), lines=_task_lines(case), empty=EMPTY))
    if section_class("referrals") in held:
        sections.append(
            Section("referrals", _("Referrals"), lines=_referral_lines(case, agency_id), empty=_("No referrals."))
        )
    if section_class("stays") in held:
        sections.append(Section("stays", _("Shelter stays"), lines=_stay_lines(case), empty=_("No shelter stay.")))
    if section_class("support") in held:
        sections.append(Section("support", _("Support plan"), lines=_support_lines(case), empty=EMPTY))
    if section_class("timeline") in held:
        sections.append(Section("timeline", _("Recent timeline"), lines=_timeline_lines(case, held), empty=EMPTY))
    return sections


def summary_html(case: Case, held, *, agency, printed_by) -> str:
    """The summary as HTML, in Vietnamese whatever the reader's language (a record filed on paper)."""
    with translation.override("vi"), timezone.override(timezone.get_default_timezone()):
        context = {
            "case": case,
            "agency": agency,
            "printed_at": _at(timezone.localtime()),
            "printed_by": printed_by,
            "sections": summary_sections(case, held, agency.pk),
        }
        return render_to_string("referrals/case_summary_pdf.html", context)


def record_css() -> str:
    with translation.override("vi"):
        return render_to_string("casework/record_pdf.css")


@membership_required
def case_summary_pdf(request, code):
    user = request.user
    case, held = access_case(user, code)
    agency = user.active_membership.agency
    pdf = pdf_bytes(summary_html(case, held, agency=agency, printed_by=user), record_css())
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=user,
        case=case,
        classes=held,
        detail={"document": "case_summary", "format": "pdf"},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tom-tat-{ascii_name(case.reference)}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
