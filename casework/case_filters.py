"""The case list's filters, in one place: the list page and the export of the list both call
`filter_cases`, so an export holds exactly the cases the list shows."""

from collections.abc import Mapping

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from casework.access import holds_class, visible_cases
from casework.filter_form import NOT_RECORDED, PAGING, CaseFilterForm
from casework.lib.dates import day_range_q
from casework.lib.kept_markup import KeptMarkup
from casework.lib.text import normalize_name
from casework.models import Agency, Case, SensitivityClass, age_band_q

# Facts about the person are identity-class data (docs/architecture.md, Flow A). Filtering by them reads them,
# so they match only cases whose identity the user holds — like the name search (decision 4);
# otherwise a holder of `core` could learn a woman's sex or ethnicity by filtering.
IDENTITY_FILTERS = ("sex", "ethnicity", "minority", "age_band")


def filter_form(params: Mapping | None) -> CaseFilterForm:
    """The case-list filter form bound to query-string or stored export parameters."""
    return CaseFilterForm(params or None, agencies=Agency.objects.filter(is_active=True).order_by("name"))


def looks_like_reference(text: str) -> bool:
    return "-" in text and any(ch.isdigit() for ch in text)


def filter_cases(user, filters: dict, *, probe: bool = False, from_holdings: bool = False) -> QuerySet[Case]:
    """The cases `user` may see that match `filters` (a CaseFilterForm's valid data). `probe`
    and `from_holdings` for a page (see `access.visible_cases`). Nothing is annotated: a
    caller that shows names asks the identity question itself, once per row
    (`access.with_person_name`)."""
    cases = visible_cases(user, probe=probe, from_holdings=from_holdings)
    condition = _core_q(user, filters)
    identity = _identity_q(filters)
    query = (filters.get("q") or "").strip()
    if query and looks_like_reference(query):
        condition &= Q(reference__istartswith=query.upper())
    elif query:
        # The case's copy of the person's search name, read from the newest-first index
        # (decision 335); like every identity filter, only where identity is held.
        identity &= Q(search_name__contains=normalize_name(query))
    if identity:
        cases = cases.filter(identity, holds_class(user, SensitivityClass.IDENTITY))
    if filters.get("incident"):
        # Whether a case is linked to a criminal incident is investigation data (the case page
        # shows it only to holders of `investigation`): it matches only where that is held.
        cases = cases.filter(
            Q(incident__isnull=filters["incident"] == "0"), holds_class(user, SensitivityClass.INVESTIGATION)
        )
    return cases.filter(condition)


def _core_q(user, filters: dict) -> Q:
    condition = Q()
    if filters.get("status"):
        condition &= Q(status=filters["status"])
    if filters.get("province"):
        condition &= Q(reception_province=filters["province"])
    if filters.get("agency"):
        condition &= Q(owning_agency=filters["agency"])
    if filters.get("mine"):
        condition &= Q(assigned_to=user)
    if filters.get("children"):
        condition &= Q(is_child=True)
    if filters.get("overdue"):
        # A status past its limit, or initial verification past its 3 days.
        condition &= Q(overdue_flagged_at__isnull=False) | Q(
            verification_flagged_at__isnull=False, verification_concluded_at__isnull=True
        )
    if filters.get("person_status"):
        condition &= Q(person_status=filters["person_status"])
    destination = filters.get("destination")
    if destination == NOT_RECORDED:
        condition &= Q(destination_country__isnull=True)
    elif destination:
        condition &= Q(destination_country=destination)
    return_mode = filters.get("return_mode")
    if return_mode:
        condition &= Q(return_mode="" if return_mode == NOT_RECORDED else return_mode)
    if filters.get("exploitation"):
        # EXISTS rather than a join: a case with several forms must appear once.
        through = Case.exploitation_forms.through.objects.filter(
            case_id=OuterRef("pk"), picklistvalue_id=filters["exploitation"].pk
        )
        condition &= Q(Exists(through))
    condition &= day_range_q("received_at", filters.get("received_from"), filters.get("received_to"))
    return condition


def _identity_q(filters: dict) -> Q:
    condition = Q()
    if filters.get("sex"):
        condition &= Q(person__sex=filters["sex"])
    if filters.get("ethnicity"):
        condition &= Q(person__ethnicity=filters["ethnicity"])
    if filters.get("minority"):
        condition &= Q(person__ethnicity__is_majority=filters["minority"] == "0")
    if filters.get("age_band"):
        condition &= age_band_q(filters["age_band"])
    return condition


# Filters the statistics page links with; the list shows each as a badge that removes it.
EXTRA_FILTERS = (
    "sex",
    "ethnicity",
    "minority",
    "age_band",
    "person_status",
    "destination",
    "exploitation",
    "return_mode",
    "received_from",
    "received_to",
    "incident",
)
# Reference-data filters have no control of their own on the list (a select of every
# country would cost a query on each page); they travel as hidden inputs.
HIDDEN_FILTERS = ("ethnicity", "destination", "exploitation")
MORE_FILTERS = tuple(name for name in EXTRA_FILTERS if name not in HIDDEN_FILTERS)


def ignored_filters(form: CaseFilterForm) -> list[str]:
    """What the list left out of a bound filter form, one line per refusal: the filter's label
    and why (the form's own message)."""
    ignored = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        for error in errors:
            ignored.append(f"{field.label}: {error}" if field is not None and field.label else str(error))
    return ignored


def filter_badges(form: CaseFilterForm, filters: dict, query: Mapping) -> list[dict]:
    """The active extra filters: label, value shown, the query string without it, and the
    raw value for the hidden input that keeps it when the other filters change."""
    badges = []
    for name in EXTRA_FILTERS:
        value = filters.get(name)
        if value in (None, ""):
            continue
        rest = query.copy()
        for key in (name, *PAGING):
            rest.pop(key, None)
        badges.append(
            {
                "name": name,
                "label": form.fields[name].label,
                "value": _shown(form, name, value),
                "raw": form[name].value(),
                "hidden": name in HIDDEN_FILTERS,
                "remove": rest.urlencode(),
            }
        )
    return badges


def _shown(form: CaseFilterForm, name: str, value) -> str:
    if hasattr(value, "label"):
        return value.label
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    if value == NOT_RECORDED:
        return str(_("not recorded"))
    return str(dict(getattr(form.fields[name], "choices", ())).get(value, value))


# The filter bar's markup, kept per process (decision 270). It is the same for every user: its
# options are every active agency and province, and what it shows selected comes from the query
# string alone. The name or reference typed into the search box is left out of the key and of
# the kept markup (rendered anew into its place), so no one's search is kept.
SEARCH_SLOT = mark_safe("<!--search-box-->")  # noqa: S308 — a constant
filter_bars = KeptMarkup(size=64)


def filter_bar(form: CaseFilterForm, badges: list[dict], query: Mapping) -> SafeString:
    """The case list's filter form (`_case_filters.html`) for this query string."""

    def render() -> SafeString:
        context = {"form": form, "filter_badges": badges, "more_filters": [form[name] for name in MORE_FILTERS]}
        return render_to_string("casework/_case_filters.html", context | {"q_input": SEARCH_SLOT})

    if form.is_bound and form.errors:  # what was typed and what is wrong with it: never kept
        kept = render()
    else:
        shown = tuple((name, tuple(query.getlist(name))) for name in form.fields if name not in ("q", *PAGING))
        kept = filter_bars.get((form.is_bound, shown), render)
    return mark_safe(kept.replace(SEARCH_SLOT, str(form["q"]), 1))  # noqa: S308 — both parts are escaped
