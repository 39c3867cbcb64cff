"""Two records of one person on the case page: the links, the candidates to link, the cases
merged into this one (with their history, as far as the user may read it), and the POSTs that
link, unlink, merge and reverse a merge (decisions 193–195)."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework import audit
from casework.access import (
    Standing,
    access_case,
    deny,
    may_link_same_person,
    may_merge_cases,
    may_reverse_merge,
    refuse_same_person,
    standing,
    visible_cases,
)
from casework.actions import CaseworkError
from casework.disclosure import readable_notes
from casework.duplicates import same_person_candidates
from casework.forms import ReasonForm, SamePersonForm
from casework.models import AuditEvent, Case, CaseEvent, CaseMerge, PersonLink, SensitivityClass
from casework.same_person import (
    active_links_of,
    do_link_same_person,
    do_merge_cases,
    do_reverse_merge,
    do_unlink_same_person,
)
from casework.views.common import (
    back_to_case_section,
    form_errors_to_messages,
    membership_required,
    record_invalid_form,
)

SECTION = "same-person"
# Lines that name the other agency: for the owning agency only (as `possible_duplicate`).
OWNER_ONLY = {CaseEvent.Kind.SAME_PERSON, CaseEvent.Kind.SAME_PERSON_UNLINKED}
# Every link writes a SAME_PERSON line on both cases (and a merge a MERGED line).
LINKED_KINDS = {CaseEvent.Kind.SAME_PERSON, CaseEvent.Kind.MERGED}
# The case page reads this many timeline lines (casework.views.cases.TIMELINE_LENGTH).
TIMELINE_FULL = 100


def _history(case: Case, held: Standing, owner_only: set[str]) -> dict:
    """What the user may read of a merged case, by their own standing on it (never by their
    standing on the survivor: a merge shares nothing silently)."""
    events = [
        event
        for event in case.events.select_related("actor", "agency")[:100]
        if event.sensitivity in held and (held.is_lead or event.kind not in owner_only)
    ]
    return {
        "events": events,
        "notes": list(readable_notes(case, held)),
        "documents": [doc for doc in case.documents.all() if doc.sensitivity in held],
    }


def same_person_context(user, case: Case, held: Standing, owner_only: set[str], *, timeline: list) -> dict:
    """The case page's same-person panel: what it shows and which forms, for this user.
    `timeline` is the page's newest lines, all kinds: a case whose whole timeline is there and
    has never been linked (most cases) costs the page no query."""
    may_link = may_link_same_person(held)
    context: dict = {"may_reverse_merge": may_reverse_merge(held), "may_link_same_person": may_link}
    ever_linked = any(event.kind in LINKED_KINDS for event in timeline)
    # A merge stands on an active link: without links there is nothing more to ask.
    links = active_links_of(case.pk) if ever_linked or len(timeline) >= TIMELINE_FULL else []
    merges = (
        list(
            CaseMerge.objects.filter(link__in=links, reversed_at__isnull=True).select_related(
                "survivor__owning_agency", "absorbed__owning_agency", "agency"
            )
        )
        if links
        else []
    )
    # Which record the person's other case is, and which agency holds it, is for the lead
    # reading identity only; anyone else reading a merged case learns only that it is read-only.
    owner_reads = held.is_lead and SensitivityClass.IDENTITY in held
    merged = next((merge for merge in merges if merge.absorbed_id == case.pk), None)
    if merged is not None:
        context["merged"] = merged
        context["merged_named"] = owner_reads
        context["survivor_visible"] = visible_cases(user).filter(pk=merged.survivor_id).exists()
    merges_in = [merge for merge in merges if merge.survivor_id == case.pk] if owner_reads else []
    for merge in merges_in:
        merge.history = _history(merge.absorbed, standing(user, merge.absorbed), owner_only)
        if any(merge.history.values()):
            # Reading the merged record's history here is reading that case: audited on it.
            audit.record(
                AuditEvent.Action.VIEW,
                actor=user,
                case=merge.absorbed,
                classes=sorted({row.sensitivity for rows in merge.history.values() for row in rows}),
                detail={"page": "merged-into", "survivor": case.reference},
            )
    context["merges_in"] = merges_in
    if owner_reads:
        merging = {merge.link_id for merge in merges}
        may_merge = may_merge_cases(held)
        for link in links:
            link.other_case = link.other(case)
            link.mergeable = (
                may_merge
                and link.pk not in merging
                and not link.other_case.merged_into_id
                and link.other_case.owning_agency_id == case.owning_agency_id
            )
            link.unlinkable = may_link and link.pk not in merging
        context["links"] = links
    if context["may_reverse_merge"] or context.get("links"):
        context["same_person_reason_form"] = ReasonForm()
    return context


def _fetch(request, code, allowed, what: str) -> tuple[Case, Standing]:
    case, held = access_case(request.user, code)
    if not allowed(held):
        refuse_same_person(request.user, case, what)
    return case, held


def _refused(request, case: Case, error: CaseworkError, action: str):
    audit.record(
        AuditEvent.Action.REFUSED, actor=request.user, case=case, detail={"action": action, "reason": str(error)}
    )
    messages.error(request, str(error))
    return back_to_case_section(case, SECTION)


def _link_of(request, case: Case, link_id: int) -> PersonLink:
    link = PersonLink.objects.filter(Q(case_a=case) | Q(case_b=case), pk=link_id).first()
    if link is None:
        deny(request.user, {"person_link": link_id}, case=case)
    return link


@membership_required
@require_http_methods(["GET", "POST"])
def link(request, code):
    """The candidates to link with (GET, an audited view) and the link itself (POST)."""
    case, held = _fetch(request, code, may_link_same_person, "link_same_person")
    candidates = list(same_person_candidates(request.user, case, is_lead=held.is_lead))
    page = {"case": case, "candidates": candidates}
    if request.method == "GET":
        audit.record(
            AuditEvent.Action.VIEW,
            actor=request.user,
            case=case,
            classes=[SensitivityClass.IDENTITY],
            detail={"page": "same-person-candidates", "shown": len(candidates)},
        )
        return render(request, "casework/same_person.html", {**page, "form": SamePersonForm(candidates=candidates)})
    form = SamePersonForm(request.POST, candidates=candidates)
    if not form.is_valid():
        # The page again with what was typed and the errors beside the fields.
        record_invalid_form(request, form, case=case, action="link_same_person")
        return render(request, "casework/same_person.html", {**page, "form": form}, status=400)
    other = next(each for each in candidates if str(each.public_id) == form.cleaned_data["other"])
    try:
        do_link_same_person(
            case,
            other,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            agency=request.user.active_membership.agency,
        )
    except CaseworkError as error:
        return _refused(request, case, error, "link_same_person")
    messages.success(request, _("The two records are linked as the same person."))
    return back_to_case_section(case, SECTION)


def _with_reason(request, case: Case, action: str, act, success: str):
    """A POST that takes a reason: act(reason), then back to the section with its message; a
    missing reason or a refused rule is said there too (refusals audited)."""
    form = ReasonForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
        return back_to_case_section(case, SECTION)
    try:
        act(form.cleaned_data["reason"])
    except CaseworkError as error:
        return _refused(request, case, error, action)
    messages.success(request, success)
    return back_to_case_section(case, SECTION)


@membership_required
@require_POST
def unlink(request, code, link_id):
    case, _held = _fetch(request, code, may_link_same_person, "unlink_same_person")
    person_link = _link_of(request, case, link_id)
    return _with_reason(
        request,
        case,
        "unlink_same_person",
        lambda reason: do_unlink_same_person(person_link, reason=reason, actor=request.user),
        _("The link was removed."),
    )


@membership_required
@require_POST
def merge(request, code, link_id):
    case, _held = _fetch(request, code, may_merge_cases, "merge_cases")
    person_link = _link_of(request, case, link_id)
    agency = request.user.active_membership.agency
    return _with_reason(
        request,
        case,
        "merge_cases",
        lambda reason: do_merge_cases(case, person_link, reason=reason, actor=request.user, agency=agency),
        _("The other record was merged into this case; its history is kept below."),
    )


@membership_required
@require_POST
def reverse_merge(request, code, merge_id):
    case, _held = _fetch(request, code, may_reverse_merge, "reverse_merge")
    the_merge = CaseMerge.objects.filter(Q(survivor=case) | Q(absorbed=case), pk=merge_id).first()
    if the_merge is None:
        deny(request.user, {"case_merge": merge_id}, case=case)
    return _with_reason(
        request,
        case,
        "reverse_merge",
        lambda reason: do_reverse_merge(the_merge, reason=reason, actor=request.user),
        _("The merge was reversed; both cases carry on separately."),
    )
