"""Group reception (issue 16): the people received together, registered in one sitting.

Step 1 takes what the group shares (the wizard's own facts form, and the group's incident),
step 2 a table of people, step 3 reads it back in words with the possible duplicates of each
row, and confirming registers one case per person. What was typed in each step is kept in the
session, valid or not, as the wizard does, under its own key (the wizard's storage is not
shared).
"""

import uuid

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import deny, may_register_cases, refuse_registration, visible_cases
from casework.duplicates import audit_duplicate_check
from casework.forms import CaseFactsForm, ConfirmForm
from casework.group_actions import GroupPerson, do_register_group
from casework.group_forms import FIRST_ROWS, MAX_ROWS, MORE_ROWS, GroupForm, MemberFormSet, is_child
from casework.models import AuditEvent, ReceptionGroup, SensitivityClass
from casework.review import review_rows
from casework.views.cases import possible_duplicates
from casework.views.common import membership_required, record_read

GROUP_KEY = "reception_group"
GROUP_STEPS = ("facts", "people", "review")
PREFIX = "p"
PERSON_FIELDS = ("full_name", "sex", "birth_year", "home_province", "document_type", "document_number")


def _draft(request) -> dict:
    return request.session.get(GROUP_KEY, {})


def _store(request, step: str, post: QueryDict) -> None:
    draft = _draft(request)
    draft[step] = {key: values for key, values in post.lists() if key not in ("csrfmiddlewaretoken", "more")}
    request.session[GROUP_KEY] = draft


def _query(stored: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in stored.items():
        query.setlist(key, values)
    return query


def _facts_forms(data) -> tuple[CaseFactsForm, GroupForm]:
    return CaseFactsForm(data), GroupForm(data)


def _people_formset(data, received_on=None) -> MemberFormSet:
    if data is None:
        formset = MemberFormSet(prefix=PREFIX)
        formset.extra = FIRST_ROWS
    else:
        formset = MemberFormSet(data, prefix=PREFIX)
    formset.received_on = received_on
    return formset


def _with_more_rows(post: QueryDict) -> QueryDict:
    """The table as posted, with MORE_ROWS empty rows more (up to MAX_ROWS)."""
    data = post.copy()
    key = f"{PREFIX}-TOTAL_FORMS"
    try:
        total = int(data.get(key, FIRST_ROWS))
    except ValueError:
        total = FIRST_ROWS
    data[key] = str(max(0, min(total + MORE_ROWS, MAX_ROWS)))
    return data


def _valid_facts(stored: dict):
    if "facts" not in stored:
        return None
    facts_form, group_form = _facts_forms(_query(stored["facts"]))
    return (facts_form, group_form) if facts_form.is_valid() and group_form.is_valid() else None


def _received_on(facts_form: CaseFactsForm):
    return timezone.localdate(facts_form.cleaned_data["received_at"])


@membership_required
def group_create(request, step="facts"):
    if not may_register_cases(request.user):
        refuse_registration(request.user)
    if step not in GROUP_STEPS:
        return redirect("casework:group-create", step="facts")
    if request.method == "GET" and request.GET.get("restart"):
        request.session.pop(GROUP_KEY, None)
        return redirect("casework:group-create", step="facts")
    stored = _draft(request)
    if step == "facts":
        return _facts_step(request, stored)
    facts = _valid_facts(stored)
    if facts is None:
        return redirect("casework:group-create", step="facts")
    if step == "people":
        return _people_step(request, stored, facts[0])
    return _review_step(request, stored, facts)


def _facts_step(request, stored: dict):
    if request.method == "POST":
        _store(request, "facts", request.POST)
        facts_form, group_form = _facts_forms(request.POST)
        if facts_form.is_valid() and group_form.is_valid():
            return redirect("casework:group-create", step="people")
        status = 400
    else:
        facts_form, group_form = _facts_forms(_query(stored["facts"])) if "facts" in stored else _facts_forms(None)
        status = 200
    context = {"step": "facts", "facts_form": facts_form, "group_form": group_form}
    return render(request, "casework/group_create.html", context, status=status)


def _people_step(request, stored: dict, facts_form: CaseFactsForm):
    received_on = _received_on(facts_form)
    status = 200
    if request.method == "POST":
        if "more" in request.POST:
            _store(request, "people", _with_more_rows(request.POST))
            return redirect(reverse("casework:group-create", args=["people"]) + "#people-more")
        _store(request, "people", request.POST)
        if "back" in request.POST:
            return redirect("casework:group-create", step="facts")
        formset = _people_formset(request.POST, received_on)
        if formset.is_valid():
            return redirect("casework:group-create", step="review")
        status = 400
    else:
        formset = _people_formset(_query(stored["people"]) if "people" in stored else None, received_on)
    rows = [(index + 1, form, _child_of(form, received_on)) for index, form in enumerate(formset.forms)]
    context = {
        "step": "people",
        "formset": formset,
        "rows": rows,
        "adult_until": _adult_until(received_on),
        "row_label": _("row %(number)s"),  # the script puts the number in
        "max_rows": MAX_ROWS,
        "more_rows": MORE_ROWS,
    }
    return render(request, "casework/group_people.html", context, status=status)


def _adult_until(received_on) -> int:
    """The latest year of birth counted an adult at reception (the page's script marks
    children by it, so the rule stays in one place)."""
    year = received_on.year
    while is_child(year, received_on):
        year -= 1
    return year


def _child_of(form, received_on):
    """The child flag a row shows before JavaScript, from the year typed."""
    try:
        year = int(form["birth_year"].value() or 0)
    except (TypeError, ValueError):
        return None
    return is_child(year, received_on) if 1900 <= year <= received_on.year else None


def _review_step(request, stored: dict, facts):
    facts_form, group_form = facts
    received_on = _received_on(facts_form)
    if "people" not in stored:
        return redirect("casework:group-create", step="people")
    formset = _people_formset(_query(stored["people"]), received_on)
    if not formset.is_valid():
        return redirect("casework:group-create", step="people")
    token = _token(request, stored)
    if request.method == "POST" and "back" not in request.POST:
        earlier = ReceptionGroup.objects.filter(token=token, created_by=request.user).first()
        if earlier is not None:  # this sitting already registered its group (decision 191)
            return _already_registered(request, earlier)
    if request.method == "POST" and "back" in request.POST:
        return redirect("casework:group-create", step="people")
    filled = formset.filled()
    names = {number: form.cleaned_data["full_name"] for number, form in filled}
    rows = []
    for number, form in filled:
        data = form.cleaned_data
        visible, others = possible_duplicates(request.user, data)
        audit_duplicate_check(request.user, data, visible, others)
        rows.append(
            {
                "number": number,
                "data": data,
                "person": {name: data.get(name) for name in PERSON_FIELDS},
                "child": is_child(data.get("birth_year"), received_on),
                "accompanied_by": data.get("accompanied_by"),
                "companion": names.get(data.get("accompanied_by")),
                "duplicates": visible,
                "elsewhere": others,
                "review": _row_review(form),
            }
        )
    confirm = ConfirmForm(request.POST or None)
    status = 200
    any_duplicates = any(row["duplicates"] for row in rows)
    if request.method == "POST":
        confirm.is_valid()
        if any_duplicates and not confirm.cleaned_data.get("confirm_not_duplicate"):
            confirm.add_error("confirm_not_duplicate", _("Confirm that you checked the possible duplicates."))
            status = 400
        else:
            return _register(request, token, facts_form, group_form, rows)
    context = {
        "step": "review",
        "rows": rows,
        "facts_rows": review_rows(facts_form),
        "group_rows": review_rows(group_form),
        "any_duplicates": any_duplicates,
        "children": sum(1 for row in rows if row["child"]),
        "confirm_form": confirm,
    }
    return render(request, "casework/group_review.html", context, status=status)


def _register(request, token: str, facts_form, group_form, rows: list[dict]):
    group_data = group_form.cleaned_data
    group, created = do_register_group(
        token=token,
        actor=request.user,
        agency=request.user.active_membership.agency,
        facts=facts_form.cleaned_data,
        people=[
            GroupPerson(
                position=row["number"],
                person=row["person"],
                accompanied_by=row["accompanied_by"],
                elsewhere=row["elsewhere"],
            )
            for row in rows
        ],
        name=group_data["name"],
        incident_fields={"criminal_case_number": group_data["criminal_case_number"], "summary": group_data["summary"]},
    )
    if not created:
        return _already_registered(request, group)
    request.session.pop(GROUP_KEY, None)
    messages.success(request, _("The group is registered: one case for each person."))
    return redirect("casework:group-detail", group=group.public_id)


def _row_review(form) -> list[tuple[str, str]]:
    """A row in words, without the name (its heading) and the companion (said in words)."""
    skip = {str(form.fields["full_name"].label), str(form.fields["accompanied_by"].label)}
    return [(label, text) for label, text in review_rows(form) if label not in skip]


def _token(request, stored: dict) -> str:
    """The token of this sitting, kept with its answers in the session."""
    if "token" not in stored:
        stored["token"] = uuid.uuid4().hex
        request.session[GROUP_KEY] = stored
    return stored["token"]


def _already_registered(request, group: ReceptionGroup):
    messages.info(request, _("This group was already registered; here it is."))
    request.session.pop(GROUP_KEY, None)
    return redirect("casework:group-detail", group=group.public_id)


@membership_required
def group_detail(request, group):
    """The group's cases, for the agency that registered it; each case is a link, and names
    show only on the cases whose identity the user may read."""
    user = request.user
    membership = user.active_membership
    found = ReceptionGroup.objects.select_related("incident", "created_by").filter(public_id=group).first()
    if found is None or found.agency_id != membership.agency_id:
        deny(user, {"reception_group": str(group)})
    group = found
    members = list(group.members.select_related("case__person", "accompanied_by"))
    ids = [member.case_id for member in members]
    visible = set(visible_cases(user).filter(pk__in=ids).values_list("pk", flat=True))
    identity = set(visible_cases(user, SensitivityClass.IDENTITY).filter(pk__in=ids).values_list("pk", flat=True))
    investigation = visible_cases(user, SensitivityClass.INVESTIGATION).filter(pk__in=ids).exists()
    positions = {member.case_id: member.position for member in members}
    rows = [
        {
            "member": member,
            "case": member.case,
            "visible": member.case_id in visible,
            "name": member.case.person.full_name if member.case_id in identity else "",
            "companion": positions.get(member.accompanied_by_id),
        }
        for member in members
    ]
    record_read(
        request,
        AuditEvent.Action.VIEW,
        obj=group,
        classes=[SensitivityClass.CORE, SensitivityClass.IDENTITY] if identity else [SensitivityClass.CORE],
        detail={
            "page": "reception-group",
            "cases": [member.case.reference for member in members if member.case_id in visible],
        },
    )
    context = {"group": group, "rows": rows, "incident": group.incident, "show_incident": investigation}
    return render(request, "casework/group_detail.html", context)
