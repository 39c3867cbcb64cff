"""Case list, case page, new-case wizard and document download."""

import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from casework import audit, drafts
from casework.access import (
    Capability,
    access_case,
    access_document,
    capabilities,
    deny,
    may_register_cases,
    page_form,
    refuse_registration,
    visible_cases,
    why_visible,
    with_person_details,
    with_person_name,
)
from casework.actions import do_create_case, do_flag_possible_duplicates
from casework.case_filters import filter_badges, filter_bar, filter_cases, filter_form, ignored_filters
from casework.disclosure import OWNER_ONLY_EVENTS, case_picklists, readable_events, readable_notes, shown_sections
from casework.duplicates import audit_duplicate_check, person_match
from casework.filter_form import PAGING
from casework.forms import (
    CaseFactsForm,
    ConfirmForm,
    IncidentForm,
    NoteForm,
    PersonForm,
    ReasonForm,
    TaskDoneForm,
    TransitionForm,
)
from casework.lib.fixed_query import FixedQuery
from casework.lib.person_name import names_shown
from casework.models import (
    IDENTIFICATION_OUTCOMES,
    AuditEvent,
    Case,
    CaseEvent,
    CaseLead,
    CaseStatus,
    CaseTask,
    Consent,
    Document,
    Draft,
    Offender,
    Person,
    PersonStatus,
    RegistrationToken,
    SensitivityClass,
)
from casework.pagination import newest_first
from casework.reception import group_of_case
from casework.review import review_rows
from casework.timeline import fold_access_events
from casework.views.case_forms import offered_forms
from casework.views.common import CASE_SECTIONS, IN_SECTION, is_htmx, membership_required
from casework.views.same_person import same_person_context

log = logging.getLogger(__name__)
PAGE_SIZE = 25
# The timeline lines the case page reads (the same-person section looks at them too), of which
# it shows the newest TIMELINE_SHOWN; the older ones come TIMELINE_PAGE at a time on demand
# (`case_timeline`, decision 311).
TIMELINE_LENGTH = 100
TIMELINE_SHOWN = 20
TIMELINE_PAGE = 50
# The notes likewise: the newest NOTES_SHOWN on the page, NOTES_PAGE older ones per request.
NOTES_SHOWN = 10
NOTES_PAGE = 25

# The case page's lines of one case, each query compiled once per process (decision 337).
_timeline = FixedQuery(
    lambda case_id: CaseEvent.objects.filter(case_id=case_id).select_related("actor", "agency")[:TIMELINE_LENGTH], int
)
_consents = FixedQuery(
    lambda case_id: Consent.objects.filter(case_id=case_id).select_related("agency", "agency_kind"), int
)
_documents = FixedQuery(lambda case_id: Document.objects.filter(case_id=case_id), int)
_leads = FixedQuery(lambda case_id: CaseLead.objects.filter(case_id=case_id).select_related("agency"), int)
_tasks = FixedQuery(lambda case_id: CaseTask.objects.filter(case_id=case_id), int)


@membership_required
def case_list(request):
    user = request.user
    form = filter_form(request.GET)
    filters = form.valid_data() if request.GET else {}
    # A filter the form refused (an address edited by hand, a search past its length) is left
    # out, said above the rows, and the answer is a 400: a list that quietly showed every case
    # under a search box holding the name looked like that name's matches (decision 334).
    ignored = ignored_filters(form)  # none when nothing was asked: the form is then unbound
    # Probed on the newest-first walk, or from the holdings of a user who holds few (decision 315).
    how = page_form(user)
    query = (filters.get("q") or "").strip()
    page = newest_first(
        filter_cases(user, filters, **how),
        visible_cases(user, **how),
        number=filters.get("page") or 1,
        size=PAGE_SIZE,
        after=filters.get("after"),
        before=filters.get("before"),
        # The page's ids found on the index alone, then its rows with the name only where
        # identity is held: no person row, nor the case's copy of the name (decisions 320, 335).
        shown=with_person_name(Case.objects.defer("search_name"), user, "pk").select_related(
            "owning_agency", "reception_province", "assigned_to"
        ),
    )
    # What the rows showed: their core facts, and names where identity is held.
    shown_classes = [SensitivityClass.CORE] if page.rows else []
    if names_shown(page.rows):
        shown_classes.append(SensitivityClass.IDENTITY)
    audit.record(
        AuditEvent.Action.SEARCH if query else AuditEvent.Action.LIST,
        actor=user,
        classes=shown_classes,
        detail={
            "filters": {name: str(value) for name, value in filters.items() if value not in (None, "", False)},
            "shown": len(page.rows),
            "page": page.number,
        },
    )
    params = request.GET.copy()
    for key in PAGING:
        params.pop(key, None)
    badges = filter_badges(form, filters, request.GET)
    context = {
        "cases": page.rows,
        "page": page,
        "query_string": params.urlencode(),
        "filter_badges": badges,
        "export_params": form.params() if request.GET else {},
        "ignored_filters": ignored,
    }
    status = 400 if ignored else 200
    if is_htmx(request):  # the results only: the filter bar stays as the user set it
        return render(request, "casework/_case_results.html", context, status=status)
    context["filter_bar"] = filter_bar(form, badges, request.GET)
    return render(request, "casework/case_list.html", context, status=status)


def _message_section(request) -> str | None:
    section = request.GET.get("section")
    return section if section in CASE_SECTIONS else None


def _refused_section(request) -> str | None:
    """The section named in the address when a refusal of its form is among the messages."""
    section = _message_section(request)
    refused = any(
        message.level == messages.ERROR and IN_SECTION in message.extra_tags
        for message in messages.get_messages(request)
    )
    return section if refused else None


@membership_required
def case_detail(request, code):
    user = request.user
    case, held = access_case(user, code)
    audit.record(AuditEvent.Action.VIEW, actor=user, case=case, classes=held)
    acting_for_owner = held.is_lead
    caps = capabilities(held)
    timeline = _timeline(case.pk, known={"case": case})
    readable = readable_events(case, held, is_lead=acting_for_owner, timeline=timeline)
    if acting_for_owner:
        consents = _consents(case.pk, known={"case": case})
    else:
        # Another agency sees only the consents that concern it, not whom else the case is shared with.
        agency = user.active_membership.agency
        consents = list(case.consents.select_related("agency", "agency_kind").filter(Consent.concerning(agency)))
    shows = shown_sections(held)
    if shows["person"]:
        with_person_details(case)
    context = {
        "case": case,
        "held": held,
        # Which sections the reader is shown: the one table the printed summary reads too.
        "shows": shows,
        "caps": caps,
        "picklists": case_picklists(case),
        "events": fold_access_events(readable[:TIMELINE_SHOWN]),
        "older_than": _older_than(readable, TIMELINE_SHOWN, timeline, TIMELINE_LENGTH),
        **_notes_context(readable_notes(case, held), NOTES_SHOWN),
        "documents": [doc for doc in _documents(case.pk, known={"case": case}) if doc.sensitivity in held],
        "consents": consents,
        "acting_for_owner": acting_for_owner,
        "grants": why_visible(user, case, held),
        "leads": _leads(case.pk, known={"case": case}),
        "tasks": _tasks(case.pk, known={"case": case}),
        "proposals": open_proposals(case),
        "reception_group": group_of_case(user, case),
        # The section whose form was just used shows this request's messages (base.html then
        # shows none at the top).
        "message_section": _message_section(request),
        # Its form, when that form was refused, gets back what was typed (app.js keeps it).
        "refused_section": _refused_section(request),
    }
    if context["shows"]["investigation"] and case.incident_id:
        context["offenders"] = list(case.incident.offenders.select_related("nationality"))
    if Capability.SEE_WHO in caps:
        seen = [AuditEvent.Action.VIEW, AuditEvent.Action.DOWNLOAD]
        context["viewers"] = case.audit_events.filter(action__in=seen).select_related("actor", "agency")[:50]
    context.update(_action_forms(case, held, caps))
    context.update(same_person_context(user, case, held, OWNER_ONLY_EVENTS, timeline=timeline))
    return render(request, "casework/case_detail.html", context)


def _older_than(readable: list[CaseEvent], shown: int, read: list[CaseEvent], wanted: int) -> int | None:
    """The line after which older ones follow (the link's cursor), or None: a readable line
    read but not shown, or a full read (the database may hold more)."""
    if len(readable) > shown:
        return readable[shown - 1].pk
    return read[-1].pk if len(read) == wanted else None


@membership_required
def case_timeline(request, code):
    """The timeline lines older than `before` (a line of this case), TIMELINE_PAGE read at a
    time, filtered as on the case page. A line of another case, or no line, is 404."""
    user = request.user
    case, held = access_case(user, code)
    anchor = _anchor(request, case, case.events.only("at"))
    read = list(case.events.filter(_older(anchor, "at")).select_related("actor", "agency")[:TIMELINE_PAGE])
    events = readable_events(case, held, is_lead=held.is_lead, timeline=read)
    audit.record(
        AuditEvent.Action.VIEW, actor=user, case=case, classes=held, detail={"page": "timeline", "before": anchor.pk}
    )
    context = {
        "case": case,
        "caps": capabilities(held),
        "events": fold_access_events(events),
        "older_than": _older_than(events, len(events), read, TIMELINE_PAGE),
    }
    if is_htmx(request):
        return render(request, "casework/_timeline_lines.html", context)
    return render(request, "casework/case_timeline.html", context)


def _notes_context(notes, shown: int) -> dict:
    """`shown` of `notes`, and the cursor to the older ones if there are any."""
    read = list(notes[: shown + 1])
    return {"notes": read[:shown], "notes_older_than": read[shown - 1].pk if len(read) > shown else None}


@membership_required
def case_notes(request, code):
    """The notes older than `before` (a note of this case the reader may read), NOTES_PAGE at
    a time. Another case's note, a note in a class not held, or no note is 404."""
    user = request.user
    case, held = access_case(user, code)
    notes = readable_notes(case, held)
    anchor = _anchor(request, case, notes.select_related(None).only("created_at"))
    audit.record(
        AuditEvent.Action.VIEW, actor=user, case=case, classes=held, detail={"page": "notes", "before": anchor.pk}
    )
    context = {"case": case, **_notes_context(notes.filter(_older(anchor, "created_at")), NOTES_PAGE)}
    if is_htmx(request):
        return render(request, "casework/_note_lines.html", context)
    return render(request, "casework/case_notes.html", context)


def _anchor(request, case: Case, rows):
    """The row named by the request's `before` among `rows` (of `case`); anything else is
    refused as not found, with a denied audit row, as a document of another case is."""
    before = request.GET.get("before", "")
    try:
        return rows.get(pk=int(before))
    except (ValueError, rows.model.DoesNotExist):
        deny(request.user, {"page": rows.model._meta.model_name, "before": before[:40]}, case=case)


def _older(anchor, field: str) -> Q:
    """The rows after `anchor` in a newest-first order on (`field`, id)."""
    at = getattr(anchor, field)
    return Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": anchor.pk})


def open_proposals(case: Case) -> list:
    """Proposals awaiting the competent body. Only a person still being identified can be
    proposed, and the decision resolves them all (do_record_identification), so a decided case
    has none and the page skips the query."""
    if case.person_status != PersonStatus.IN_IDENTIFICATION:
        return []
    return list(case.identification_proposals.filter(status="open").select_related("agency"))


def _action_forms(case: Case, held, caps: frozenset[str]) -> dict:
    """A blank form for each action the user may take here that the page shows at first paint,
    and which of the forms fetched when opened it offers (casework/views/case_forms.py)."""
    forms: dict = {"offers": offered_forms(case, caps)}
    if Capability.MOVE_STATUS in caps:
        moves = [(status, CaseStatus(status).label) for status in case.allowed_moves()]
        allowed = [(value, label) for value, label in moves if value not in IDENTIFICATION_OUTCOMES]
        transition_form = TransitionForm()
        transition_form.fields["status"].choices = [("", _("— choose —")), *allowed] if allowed else []
        forms["transition_form"] = transition_form
    if caps & {Capability.MOVE_STATUS, Capability.REOPEN, Capability.RECORD_CONSENT}:
        forms["reason_form"] = ReasonForm()
    if Capability.ADD_NOTE in caps:
        forms["note_form"] = NoteForm(held=held)
    if Capability.RECORD_INVESTIGATION in caps:
        if case.incident_id:
            forms["unlink_form"] = ReasonForm()
            # The stage of an offender already recorded, chosen from the offenders on the page.
            forms["offender_stages"] = [("", _("not recorded")), *Offender.Stage.choices]
        else:
            forms["incident_form"] = IncidentForm()
    if Capability.DO_TASK in caps:
        forms["task_form"] = TaskDoneForm()
    return forms


@membership_required
def document_download(request, code, document):
    user = request.user
    document, case = access_document(user, code, document)
    try:
        stored = document.file.open("rb")
    except FileNotFoundError:
        log.error("document %s of case %s is missing from storage", document.public_id, case.reference)
        raise Http404 from None
    audit.record(AuditEvent.Action.DOWNLOAD, actor=user, case=case, obj=document, classes=[document.sensitivity])
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[document.content_type]
    response = FileResponse(
        stored,
        content_type=document.content_type,
        as_attachment=True,
        filename=f"{case.reference}-{document.kind}.{extension}",
    )
    return response


# New-case wizard ---------------------------------------------------------------------------
#
# What was typed in each step is kept in a server-side draft (casework.drafts, decision 196),
# valid or not, so going back and forth, an error on a later step or a session that ends
# mid-wizard never loses it. The session only remembers which draft this sitting has seen, so
# the first page of a new sitting (after a re-sign-in) says the draft was kept.

WIZARD_STEPS = ("person", "facts", "review")
# The draft this session has already shown or written (its public id).
WIZARD_SEEN_KEY = "new_case_draft_seen"


# What a draft keeps of one typed value: more than any field takes, less than a flood.
DRAFT_VALUE_LIMIT = 5000


def _store_step(request, draft: Draft | None, step: str, post: QueryDict, going_to: str) -> Draft:
    """Keep what was typed in the step's own fields, even when it is refused: a NUL byte (which
    the form refuses and PostgreSQL cannot store) is dropped, and each value is cut at
    DRAFT_VALUE_LIMIT characters."""
    fields = {"person": PersonForm, "facts": CaseFactsForm}[step].base_fields
    payload = dict(draft.payload) if draft is not None else {}
    payload[step] = {
        key: [value.replace("\x00", "")[:DRAFT_VALUE_LIMIT] for value in values]
        for key, values in post.lists()
        if key in fields
    }
    payload["step"] = going_to
    draft = drafts.keep(request.user, Draft.Kind.NEW_CASE, payload)
    request.session[WIZARD_SEEN_KEY] = str(draft.public_id)
    return draft


def _new_sitting(request, draft: Draft | None) -> bool:
    """Whether this is the wizard's first page in this session (the user signed in again, or
    opens the wizard anew); the page then puts back what this browser kept of a form sent
    when the session had ended (static/js/app.js, decision 197). A draft this session has not
    seen is said to have been kept, and its resumption audited without its values."""
    seen = request.session.get(WIZARD_SEEN_KEY)
    shown = str(draft.public_id) if draft is not None else ""
    if draft is not None and seen != shown:
        drafts.resumed(request.user, draft)
        messages.info(
            request,
            _(
                "Your draft was kept: you are back at the step where you left off. Check what you "
                "typed, then continue. To start over, choose “Discard this draft”."
            ),
        )
    request.session[WIZARD_SEEN_KEY] = shown
    return seen is None


def _end_wizard(request, draft: Draft | None, *, completed: bool) -> None:
    if draft is not None:
        drafts.discard(request.user, draft, completed=completed)
    request.session[WIZARD_SEEN_KEY] = ""


def _bound(form_class, stored: dict | None):
    if stored is None:
        return None
    query = QueryDict(mutable=True)
    for key, values in stored.items():
        query.setlist(key, values)
    return form_class(query)


def possible_duplicates(user, person_data: dict) -> tuple[list[Case], list[Case]]:
    """Cases of the same person: exactly the same normalised full name, birth year and home
    province, or the same document number. Returns those the user may see and the others.

    Matching is exact on purpose: a prefix match would let anyone spell out a registered
    victim's name letter by letter.
    """
    birth_date = person_data.get("birth_date")
    matches = person_match(
        full_name=person_data.get("full_name", ""),
        birth_year=person_data.get("birth_year") or (birth_date.year if birth_date else None),
        home_province=person_data.get("home_province"),
        document_number=person_data.get("document_number", ""),
    )
    if matches is None:
        return [], []
    people = Person.objects.filter(matches).values("pk")
    candidates = list(Case.objects.filter(person__in=people).select_related("person", "owning_agency")[:50])
    visible_ids = set(
        visible_cases(user, SensitivityClass.IDENTITY)
        .filter(pk__in=[case.pk for case in candidates])
        .values_list("pk", flat=True)
    )
    visible = [case for case in candidates if case.pk in visible_ids]
    others = [case for case in candidates if case.pk not in visible_ids]
    return visible, others


def draft_step(draft: Draft | None) -> str:
    """The wizard step a draft was left at."""
    step = draft.payload.get("step") if draft is not None else None
    return step if step in WIZARD_STEPS else "person"


@membership_required
def case_create(request, step=None):
    if not may_register_cases(request.user):
        refuse_registration(request.user)
    draft = drafts.current(request.user, Draft.Kind.NEW_CASE)
    if step is None:
        # "New case" (the menu, the case list): an unfinished draft is continued where it was
        # left, never silently replaced; starting over is "Discard this draft" (a POST).
        return redirect("casework:case-create", step=draft_step(draft))
    if step not in WIZARD_STEPS:
        return redirect("casework:case-create", step="person")
    restore = request.method == "GET" and _new_sitting(request, draft)
    stored = draft.payload if draft is not None else {}
    forms = {"person": PersonForm, "facts": CaseFactsForm}
    if step in forms:
        form = (
            forms[step](request.POST)
            if request.method == "POST"
            else (_bound(forms[step], stored.get(step)) or forms[step]())
        )
        if request.method == "POST":
            index = WIZARD_STEPS.index(step)
            if "back" in request.POST:
                _store_step(request, draft, step, request.POST, WIZARD_STEPS[index - 1])
                return redirect("casework:case-create", step=WIZARD_STEPS[index - 1])
            valid = form.is_valid()
            draft = _store_step(request, draft, step, request.POST, WIZARD_STEPS[index + 1] if valid else step)
            if valid:
                return redirect("casework:case-create", step=WIZARD_STEPS[index + 1])
        status = 400 if request.method == "POST" else 200
        context = {
            "form": form,
            "step": step,
            "steps": WIZARD_STEPS,
            "draft": draft,
            "draft_days": settings.CAUNOI_DRAFT_DAYS,
            "restore_typed": restore,
        }
        return render(request, "casework/case_create.html", context, status=status)
    return _wizard_review(request, draft)


def _wizard_review(request, draft: Draft | None):
    stored = draft.payload if draft is not None else {}
    person_form = _bound(PersonForm, stored.get("person"))
    facts_form = _bound(CaseFactsForm, stored.get("facts"))
    if person_form is None or not person_form.is_valid():
        return redirect("casework:case-create", step="person")
    if facts_form is None or not facts_form.is_valid():
        return redirect("casework:case-create", step="facts")
    assert draft is not None  # both steps are stored
    token = _registration_token(draft)
    if request.method == "POST" and "back" not in request.POST:
        earlier = RegistrationToken.objects.filter(token=token, user=request.user).select_related("case").first()
        if earlier is not None:  # this sitting already registered its case (decision 163)
            return _already_registered(request, earlier.case, draft)
    visible, others = possible_duplicates(request.user, person_form.cleaned_data)
    audit_duplicate_check(request.user, person_form.cleaned_data, visible, others)
    confirm = ConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if "back" in request.POST:
            draft.payload["step"] = "facts"
            draft.save(update_fields=["payload", "updated_at"])
            return redirect("casework:case-create", step="facts")
        confirm.is_valid()
        if visible and not confirm.cleaned_data.get("confirm_not_duplicate"):
            confirm.add_error("confirm_not_duplicate", _("Confirm that you checked the possible duplicates."))
            status = 400
        else:
            case, created = _register_once(request, token, person_form.cleaned_data, facts_form.cleaned_data)
            if not created:
                return _already_registered(request, case, draft)
            if others:
                do_flag_possible_duplicates(case, others, actor=request.user)
            _end_wizard(request, draft, completed=True)
            messages.success(request, _("Case %(reference)s is registered.") % {"reference": case.reference})
            return redirect(reverse("casework:case-detail", args=[case.public_id]))
    context = {
        "step": "review",
        "steps": WIZARD_STEPS,
        "person_rows": review_rows(person_form),
        "facts_rows": review_rows(facts_form),
        "duplicates": visible,
        "confirm_form": confirm,
        "draft": draft,
        "draft_days": settings.CAUNOI_DRAFT_DAYS,
    }
    return render(request, "casework/case_create_review.html", context, status=status)


def _registration_token(draft: Draft) -> str:
    """The token of this sitting of the wizard, kept with its answers in the draft."""
    if "token" not in draft.payload:
        draft.payload["token"] = uuid.uuid4().hex
        draft.save(update_fields=["payload", "updated_at"])
    return draft.payload["token"]


def _already_registered(request, case: Case, draft: Draft | None):
    messages.info(request, _("This case was already registered; here it is."))
    _end_wizard(request, draft, completed=True)
    return redirect(reverse("casework:case-detail", args=[case.public_id]))


def _register_once(request, token: str, person_data: dict, facts: dict) -> tuple[Case, bool]:
    """Register the case of this sitting of the wizard. The token row is written in the case's
    transaction, so of two concurrent submissions one waits on the unique token, rolls back and
    finds the other's case."""
    try:
        with transaction.atomic():
            case = _create_from_wizard(request, person_data, facts)
            RegistrationToken.objects.create(token=token, user=request.user, case=case)
    except IntegrityError:
        return RegistrationToken.objects.select_related("case").get(token=token, user=request.user).case, False
    return case, True


def _create_from_wizard(request, person_data: dict, facts: dict) -> Case:
    facts = dict(facts)
    picklists = {name: facts.pop(name) for name in ("exploitation_forms", "means_of_control", "recruitment_methods")}
    return do_create_case(
        person=Person(**person_data),
        case=Case(**facts),
        actor=request.user,
        agency=request.user.active_membership.agency,
        **picklists,
    )


@membership_required
def case_access_list(request, code):
    """Who can see this case, why, since when and through whom — for the owning agency's
    supervisor; also the access withdrawn, which the timeline shows only as folded lines
    (docs/decisions.md 204)."""
    case, _held = access_case(request.user, code, need=Capability.SEE_WHO)
    grants = list(case.grants.select_related("group__agency_group__agency", "user", "granted_by", "revoked_by"))
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=case,
        classes=[SensitivityClass.CORE],
        detail={"page": "access-list"},
    )
    context = {
        "case": case,
        "grants": [grant for grant in grants if grant.revoked_at is None],
        "withdrawn": sorted(
            (grant for grant in grants if grant.revoked_at is not None),
            key=lambda grant: grant.revoked_at,
            reverse=True,
        ),
    }
    return render(request, "casework/case_access.html", context)
