"""Case page forms loaded on demand (decisions 253, 275): the case page shows a closed "Record
consent", "Record the identification decision", "Record an offender"... and fetches the form
when it is opened (htmx, on the <details> toggle); without JavaScript the same address is a page
of its own with the form. The form posts to the same action as before, which redirects back to
the case page's section. A refused one (a field in error, or a rule of the action) comes back
as that page of its own with what was typed and the reason, a 400 (decision 330).
`offered_forms` is the one rule for which of them a case page offers, so the page never links
a form its address would refuse."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.access import Capability, access_case, assignable_caseworkers, colleagues_known_to
from casework.actions import CaseworkError
from casework.forms import (
    AssignForm,
    ConsentForm,
    DocumentForm,
    IdentificationForm,
    OffenderForm,
    ProposalForm,
    ReturnForm,
    StyledForm,
    VerificationForm,
)
from casework.models import AuditEvent, Case, CaseStatus, SensitivityClass
from casework.views.common import is_htmx, membership_required, record_invalid_form

DECIDING = (CaseStatus.VERIFYING, CaseStatus.IDENTIFYING)


class OnDemand(NamedTuple):
    capability: str
    template: str
    title: Promise
    # The case page section it belongs to.
    section: str
    # Whether the case is in a state where the form means something (the action still checks).
    applies: Callable[[Case], bool]
    build: Callable[..., dict]


def _identification(case, held, user) -> dict:
    agency = user.active_membership.agency
    form = IdentificationForm(
        officers=colleagues_known_to(user),
        initial={"authority": agency.label, "identified_on": timezone.localdate()},
    )
    return {"identification_form": form}


def _verification(case, held, user) -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {"verification_form": VerificationForm(initial={"concluded_at": now})}


def _assign(case, held, user) -> dict:
    form = AssignForm(
        caseworkers=assignable_caseworkers(case.owning_agency_id),
        cache_key=f"caseworkers:{case.owning_agency_id}",
        initial={"user": case.assigned_to_id},
    )
    return {"assign_form": form}


def _always(case: Case) -> bool:
    return True


# name in the URL (the action's own address, so a test finds the form by either) → its entry.
ON_DEMAND = {
    "consents": OnDemand(
        Capability.RECORD_CONSENT,
        "casework/_consent_form.html",
        _("Record consent"),
        "consent",
        _always,
        lambda case, held, user: {"consent_form": ConsentForm()},
    ),
    "documents": OnDemand(
        Capability.ADD_DOCUMENT,
        "casework/_document_form.html",
        _("Upload a document"),
        "documents",
        _always,
        lambda case, held, user: {"document_form": DocumentForm(held=held)},
    ),
    "identification": OnDemand(
        Capability.RECORD_IDENTIFICATION,
        "casework/_identification_form.html",
        _("Record the identification decision"),
        "status",
        lambda case: case.status in DECIDING,
        _identification,
    ),
    "proposal": OnDemand(
        Capability.PROPOSE_IDENTIFICATION,
        "casework/_proposal_form.html",
        _("Propose the identification decision"),
        "status",
        lambda case: case.status in DECIDING and case.person_status == "in_identification",
        lambda case, held, user: {"proposal_form": ProposalForm()},
    ),
    "verification": OnDemand(
        Capability.RECORD_VERIFICATION,
        "casework/_verification_form.html",
        _("Result of initial verification"),
        "status",
        lambda case: bool(case.verification_started_at and not case.verification_concluded_at),
        _verification,
    ),
    "offenders": OnDemand(
        Capability.RECORD_INVESTIGATION,
        "casework/_offender_form.html",
        _("Record an offender"),
        "investigation",
        lambda case: bool(case.incident_id),
        lambda case, held, user: {"offender_form": OffenderForm()},
    ),
    "return": OnDemand(
        Capability.RECORD_RETURN,
        "casework/_return_form.html",
        _("Record her return"),
        "summary",
        lambda case: case.abroad,
        lambda case, held, user: {"return_form": ReturnForm(initial={"returned_on": timezone.localdate()})},
    ),
    "assign": OnDemand(Capability.ASSIGN, "casework/_assign_form.html", _("Assignment"), "assign", _always, _assign),
}


def offered_forms(case: Case, caps: frozenset[str]) -> dict[str, bool]:
    """The on-demand forms the case page offers this reader: allowed and meaningful now."""
    return {name: form.capability in caps and form.applies(case) for name, form in ON_DEMAND.items()}


def _page_context(case: Case, held, entry: OnDemand, forms: dict) -> dict:
    """What the form's own page (and its fragment) shows: the form and the case it is for."""
    context = {"case": case, "held": held, "form_template": entry.template, "title": entry.title}
    return {**context, "anchor": entry.section, **forms}


@membership_required
def case_form(request, code, name: str):
    if name not in ON_DEMAND:
        raise Http404
    form = ON_DEMAND[name]
    # Not visible: 404 and a denied row; visible but not allowed: 403 and a refused row.
    case, held = access_case(request.user, code, need=form.capability)
    if not form.applies(case):
        # Nothing to record in this state (the page does not offer it either).
        raise Http404
    # The form names the case (its reference): a read of the case like any other.
    audit.record(
        AuditEvent.Action.VIEW, actor=request.user, case=case, classes=[SensitivityClass.CORE], detail={"form": name}
    )
    context = _page_context(case, held, form, form.build(case, held, request.user))
    if is_htmx(request):
        return render(request, form.template, context)
    return render(request, "casework/case_form.html", context)


class FormRefused(Exception):
    """An on-demand form's action refused: the bound form, and the rule's reason if a rule
    refused it (shown beside its field when the rule names one, else at the top)."""

    def __init__(self, form: django_forms.BaseForm, reason: str = "", *, at_field: bool = False):
        super().__init__(reason)
        self.form, self.reason, self.at_field = form, reason, at_field


@contextmanager
def refused_on(form: django_forms.BaseForm) -> Iterator[dict]:
    """Run an on-demand form's action on its valid data; a field in error or the action's
    refusal becomes `FormRefused`, which `case_action` shows as the form's own page."""
    if not form.is_valid():
        raise FormRefused(form)
    try:
        yield form.cleaned_data
    except CaseworkError as error:
        if error.field in form.fields:
            form.add_error(error.field, str(error))
            if isinstance(form, StyledForm):
                form.mark_invalid(error.field)
            raise FormRefused(form, str(error), at_field=True) from error
        raise FormRefused(form, str(error)) from error


def refused_page(request, case: Case, held, name: str, action: str, refused: FormRefused):
    """The on-demand form `name` again, as typed, with its errors; audited as refused (a rule's
    refusal under the `action`'s name, as `case_action` audits the others) and, the page naming
    the case, as a view like the form's own page."""
    entry = ON_DEMAND[name]
    if refused.reason:
        audit.record(
            AuditEvent.Action.REFUSED,
            actor=request.user,
            case=case,
            detail={"action": action, "reason": refused.reason},
        )
        if not refused.at_field:
            messages.error(request, refused.reason)
    else:
        record_invalid_form(request, refused.form, case=case)
    audit.record(
        AuditEvent.Action.VIEW, actor=request.user, case=case, classes=[SensitivityClass.CORE], detail={"form": name}
    )
    # The template names its form after itself: "casework/_document_form.html" → document_form.
    form_name = entry.template.rsplit("/_", 1)[1].removesuffix(".html")
    context = _page_context(case, held, entry, {form_name: refused.form})
    return render(request, "casework/case_form.html", context, status=400)
