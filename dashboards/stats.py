"""Official statistics: incidents, offenders and victims in the reporting dimensions.

The police count incidents (vụ), offenders (đối tượng) and victims (nạn nhân) separately
("50 cases involving 126 victims, of which 48 cases with 121 child victims", docs/domain.md §7),
so "incidents with child victims" and "child victims" are different figures. A victim here is
a case whose person was identified as a victim (person_status = victim): one trafficking
episode of one person, so a woman trafficked twice counts in both incidents.

Every figure comes from a handful of queries by conditional aggregation on case columns —
never a query per row — and every table declares how its cells add up, so that
`dashboards.suppression` can hide small cells and the cells that would give them away.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework.models import (
    AGE_BAND_LIMITS,
    AgeBand,
    Case,
    Offender,
    PersonStatus,
    PicklistValue,
    ReturnMode,
    Sex,
    age_band_q,
)
from dashboards import suppression
from dashboards.scope import MANDATED_ROLES, Filters, Scope, scoped_cases

VICTIM = Q(person_status=PersonStatus.VICTIM)
# Who was received, by person status and child, and how these add up. The dashboard counts
# the same cells with the same relations, so the share of children it shows is hidden exactly
# when the statistics page hides the figures it is made of (a figure hidden on one page and
# shown on the other would give away its neighbours).
HEADLINE_CONDITIONS = {
    "victims": VICTIM,
    "in_identification": Q(person_status=PersonStatus.IN_IDENTIFICATION),
    "not_victims": Q(person_status=PersonStatus.NOT_VICTIM),
    "accompanying": Q(person_status=PersonStatus.ACCOMPANYING_CHILD),
    "child_victims": VICTIM & Q(is_child=True),
    "adult_victims": VICTIM & Q(is_child=False),
}
HEADLINE_RELATIONS: list[suppression.Relation] = [
    ("received", ["victims", "in_identification", "not_victims", "accompanying"]),
    ("victims", ["child_victims", "adult_victims"]),
]
CHILD_BANDS = [band for band, _low, high in AGE_BAND_LIMITS if high is not None and high < 18]
NOT_RECORDED = "none"
HIDDEN_MARK = "*"
HOME_COUNTRY = "VN"  # a destination here is a domestic case
# An offender counts in every stage up to the furthest one recorded (docs/domain.md §7: the police
# report offenders arrested, prosecuted and convicted).
STAGES_REACHED = {
    Offender.Stage.ARRESTED: [Offender.Stage.ARRESTED, Offender.Stage.PROSECUTED, Offender.Stage.CONVICTED],
    Offender.Stage.PROSECUTED: [Offender.Stage.PROSECUTED, Offender.Stage.CONVICTED],
    Offender.Stage.CONVICTED: [Offender.Stage.CONVICTED],
}


@dataclass
class Figure:
    key: str
    label: str
    value: int | None  # None when hidden
    link: str | None = None  # query string of the case list that shows what it counts
    indent: int = 0
    unit: str = ""  # "%" for a share

    @property
    def hidden(self) -> bool:
        return self.value is None


@dataclass
class Table:
    key: str
    title: str
    figures: list[Figure]
    note: str = ""


@dataclass
class Statistics:
    headline: list[Figure]
    tables: list[Table]
    suppressed: bool
    hidden: int = 0
    # Figures from before the last change, shown while another request recomputes them.
    previous: bool = False
    _values: dict = field(default_factory=dict, repr=False)
    _relations: list = field(default_factory=list, repr=False)

    def figures(self) -> dict[str, int | None]:
        """Every figure by key as shown (None where hidden)."""
        shown = {figure.key: figure.value for figure in self.headline}
        for table in self.tables:
            shown |= {figure.key: figure.value for figure in table.figures}
        return shown


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def label_of(row: dict, prefix: str) -> str:
    """The Vietnamese or English name of a row from `.values(prefix + "name", prefix + "name_en")`."""
    return (row[f"{prefix}name_en"] if _english() else row[f"{prefix}name"]) or row[f"{prefix}name"] or ""


class _Builder:
    """Collects cells, their labels and links, and the relations between them."""

    def __init__(self, link_base: dict[str, str]):
        self.cells: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self.links: dict[str, dict] = {}
        self.relations: list[suppression.Relation] = []
        self.link_base = link_base

    def cell(self, key: str, label: str, value: int, link: dict | None = None) -> str:
        self.cells[key] = value or 0
        self.labels[key] = label
        if link is not None:
            self.links[key] = link
        return key

    def relate(self, total: str, parts: list[str]) -> None:
        self.relations.append((total, parts))

    def remainder(self, total: str, parts: list[str], key: str) -> None:
        suppression.remainder(self.cells, self.relations, total, parts, key)

    def figure(self, key: str, hidden: set[str], *, with_links: bool, indent: int = 0) -> Figure:
        value = None if key in hidden else self.cells[key]
        link = None
        if with_links and value and key in self.links:
            link = urlencode(self.link_base | self.links[key])
        return Figure(key=key, label=self.labels[key], value=value, link=link, indent=indent)


def _link_base(filters: Filters) -> dict[str, str]:
    base = {}
    if filters.date_from:
        base["received_from"] = filters.date_from.isoformat()
    if filters.date_to:
        base["received_to"] = filters.date_to.isoformat()
    if filters.province_id:
        base["province"] = str(filters.province_id)
    if filters.agency_id:
        base["agency"] = str(filters.agency_id)
    return base


def additive_conditions() -> dict[str, Q]:
    """The fixed cells that count cases, each by its condition: additive across provinces and
    months, so `dashboards.rollups` keeps them per province and month of reception."""
    # Uncorrelated: one hashed pass over the forms, not a probe per case (a third of the
    # query's time at 200,000 cases).
    with_forms = Case.exploitation_forms.through.objects.filter(
        picklistvalue__list_name=PicklistValue.List.EXPLOITATION_TYPE
    ).values("case_id")
    return _conditions(~Q(pk__in=with_forms))


def additive_cells() -> list[str]:
    """The keys of `additive_conditions`, known before the models are loaded."""
    return list(_conditions(Q()))


def _conditions(without_forms: Q) -> dict[str, Q]:
    conditions = {
        "received": Q(),
        **HEADLINE_CONDITIONS,
        "victims_without_incident": VICTIM & Q(incident__isnull=True),
        "ethnicity.kinh": VICTIM & Q(person__ethnicity__is_majority=True),
        "ethnicity.minorities": VICTIM & Q(person__ethnicity__is_majority=False),
        "ethnicity.none": VICTIM & Q(person__ethnicity__isnull=True),
        "exploitation.none": VICTIM & without_forms,
    }
    conditions |= {f"sex.{sex}": VICTIM & Q(person__sex=sex) for sex in Sex.values}
    conditions |= {f"age.{band}": VICTIM & age_band_q(band) for band in AgeBand.values}
    conditions |= {f"return.{mode}": VICTIM & Q(return_mode=mode) for mode in ReturnMode.values}
    conditions["return.none"] = VICTIM & Q(return_mode="")
    # Women and children: sex by child or adult at reception.
    for sex in Sex.values:
        conditions[f"sex_child.{sex}.child"] = VICTIM & Q(person__sex=sex, is_child=True)
        conditions[f"sex_child.{sex}.adult"] = VICTIM & Q(person__sex=sex, is_child=False)
    # Every person received, not only the identified victims, by how they returned.
    conditions |= {f"return_all.{mode}": Q(return_mode=mode) for mode in ReturnMode.values}
    conditions["return_all.none"] = Q(return_mode="")
    return conditions


# An incident is cross-border when one of its victims was taken abroad, domestic when its
# victims' destinations are recorded and all in Vietnam.
RECORDED_DESTINATION = VICTIM & Q(destination_country__isnull=False)
CROSS_BORDER = RECORDED_DESTINATION & ~Q(destination_country__alpha2=HOME_COUNTRY)
# The counts of distinct incidents: not additive (an incident's victims may be received in two
# provinces or months).
DISTINCT_INCIDENTS = {
    "incidents": VICTIM,
    "incidents_with_child_victims": VICTIM & Q(is_child=True),
    "incidents.with_destination": RECORDED_DESTINATION,
    "incidents.cross_border": CROSS_BORDER,
}


def count_of(condition: Q) -> Count:
    """Count("pk") of the cases meeting `condition` (all of them for an empty one)."""
    return Count("pk", filter=condition) if condition else Count("pk")


def _counts(cases: QuerySet[Case]) -> dict[str, int]:
    """The fixed cells in one query."""
    aggregates = {key: count_of(condition) for key, condition in additive_conditions().items()}
    aggregates |= {
        key: Count("incident", distinct=True, filter=condition) for key, condition in DISTINCT_INCIDENTS.items()
    }
    return cases.aggregate(**aggregates)


def _share(part: int, whole: int) -> float:
    """A percentage with one decimal."""
    return round(100 * part / whole, 1)


def official_statistics(
    cases: QuerySet[Case],
    *,
    suppress: bool,
    filters: Filters | None = None,
    by_province: bool = False,
    by_agency: bool = False,
    with_links: bool = False,
    hidden: set[str] | None = None,
    counts: dict[str, int] | None = None,
) -> Statistics:
    """The official figures over `cases` (already scoped and filtered). `hidden`: cells hidden
    from the start when suppressed (those of the nested periods, `dashboards.lattice`);
    `counts`: the fixed cells of `cases` when already known (from `dashboards.rollups`)."""
    start_hidden = hidden
    filters = filters or Filters()
    victims_base = {"person_status": PersonStatus.VICTIM}
    b = _Builder(_link_base(filters))
    counts = counts if counts is not None else _counts(cases)
    victims = cases.filter(VICTIM)

    # Headline: who was received, how many were victims, incidents and offenders.
    b.cell("received", _("People received"), counts["received"], {})
    b.cell("victims", _("Victims identified"), counts["victims"], victims_base)
    b.cell(
        "in_identification",
        _("In identification"),
        counts["in_identification"],
        {"person_status": PersonStatus.IN_IDENTIFICATION},
    )
    b.cell("not_victims", _("Not victims"), counts["not_victims"], {"person_status": PersonStatus.NOT_VICTIM})
    b.cell(
        "accompanying",
        _("Accompanying children"),
        counts["accompanying"],
        {"person_status": PersonStatus.ACCOMPANYING_CHILD},
    )
    b.cell("child_victims", _("Child victims"), counts["child_victims"], victims_base | {"children": "on"})
    b.cell("adult_victims", _("Adult victims"), counts["adult_victims"])
    for total, parts in HEADLINE_RELATIONS:
        b.relate(total, parts)
    b.cell(
        "incidents",
        _("Incidents (cases as the police count them)"),
        counts["incidents"],
        victims_base | {"incident": "1"},
    )
    b.cell("incidents_with_child_victims", _("Incidents with child victims"), counts["incidents_with_child_victims"])
    linked_incidents = victims.filter(incident__isnull=False).values("incident")
    offenders = Offender.objects.filter(incident__in=linked_incidents).aggregate(
        total=Count("pk"),
        at_large=Count("pk", filter=Q(stage=Offender.Stage.AT_LARGE)),
        unrecorded=Count("pk", filter=Q(stage="")),
        **{stage: Count("pk", filter=Q(stage__in=reached)) for stage, reached in STAGES_REACHED.items()},
    )
    b.cell("offenders", _("Offenders"), offenders["total"])
    b.cell("victims_without_incident", _("Victims not yet linked to an incident"), counts["victims_without_incident"])
    # Never shown, but a shown figure less another gives them: they are suppressed as cells.
    b.remainder("victims", ["victims_without_incident"], "victims_with_incident")
    b.remainder("incidents", ["incidents_with_child_victims"], "incidents_without_child_victims")

    # (key, title, [(cell key, indent)], note)
    tables: list[tuple[str, str, list[tuple[str, int]], str]] = []
    # share key → (label, part cell, whole cell, cells it is worked out from): shown only where
    # none of those is hidden, so that it gives away nothing the shown cells do not.
    shares: dict[str, tuple[str, str, str, list[str]]] = {}

    def partition(key: str, title: str, rows: list[tuple[str, str, int, dict | None]], note: str = "") -> None:
        keys = [b.cell(cell_key, label, value, link) for cell_key, label, value, link in rows]
        b.relate("victims", keys)
        tables.append((key, title, [(cell_key, 0) for cell_key in keys], note))

    partition(
        "sex",
        _("Victims by sex"),
        [(f"sex.{sex}", label, counts[f"sex.{sex}"], victims_base | {"sex": sex}) for sex, label in Sex.choices],
    )
    partition(
        "age",
        _("Victims by age at reception"),
        [
            (f"age.{band}", label, counts[f"age.{band}"], victims_base | {"age_band": band})
            for band, label in AgeBand.choices
        ],
    )
    child_bands = [f"age.{band}" for band in CHILD_BANDS]
    if sum(counts[key] for key in child_bands) == counts["child_victims"]:
        # Holds unless an age was corrected after registration: then it is no relation at all.
        b.relate("child_victims", child_bands)
    tables.append(("child", _("Children among victims"), [("child_victims", 0), ("adult_victims", 0)], ""))

    # Ethnicity: Kinh and minorities, then each group of the minorities.
    groups = list(
        victims.filter(person__ethnicity__isnull=False)
        .values("person__ethnicity__code", "person__ethnicity__name", "person__ethnicity__name_en")
        .annotate(n=Count("pk"))
        .filter(person__ethnicity__is_majority=False)
        .order_by("-n", "person__ethnicity__code")
    )
    b.cell("ethnicity.kinh", _("Kinh"), counts["ethnicity.kinh"], victims_base | {"minority": "0"})
    b.cell(
        "ethnicity.minorities", _("Ethnic minorities"), counts["ethnicity.minorities"], victims_base | {"minority": "1"}
    )
    b.cell("ethnicity.none", _("Not recorded"), counts["ethnicity.none"])
    b.relate("victims", ["ethnicity.kinh", "ethnicity.minorities", "ethnicity.none"])
    group_keys = [
        b.cell(
            f"ethnicity.{row['person__ethnicity__code']}",
            label_of(row, "person__ethnicity__"),
            row["n"],
            victims_base | {"ethnicity": row["person__ethnicity__code"]},
        )
        for row in groups
    ]
    b.relate("ethnicity.minorities", group_keys)
    tables.append(
        (
            "ethnicity",
            _("Victims by ethnicity"),
            [
                ("ethnicity.kinh", 0),
                ("ethnicity.minorities", 0),
                *[(key, 1) for key in group_keys],
                ("ethnicity.none", 0),
            ],
            "",
        )
    )

    # Women and children (docs/domain.md §7: "more than 90% of victims women and children").
    sex_labels = dict(Sex.choices)
    sex_child_keys = []
    for sex in Sex.values:
        child_key, adult_key = f"sex_child.{sex}.child", f"sex_child.{sex}.adult"
        b.cell(
            child_key,
            _("%(sex)s, child") % {"sex": sex_labels[sex]},
            counts[child_key],
            victims_base | {"sex": sex, "children": "on"},
        )
        b.cell(adult_key, _("%(sex)s, adult") % {"sex": sex_labels[sex]}, counts[adult_key])
        b.relate(f"sex.{sex}", [child_key, adult_key])
        sex_child_keys += [child_key, adult_key]
    b.relate("child_victims", [f"sex_child.{sex}.child" for sex in Sex.values])
    b.relate("adult_victims", [f"sex_child.{sex}.adult" for sex in Sex.values])
    women_and_children = [f"sex_child.{Sex.FEMALE}.adult", *[f"sex_child.{sex}.child" for sex in Sex.values]]
    b.cell(
        "women_and_children",
        _("Women and children"),
        sum(counts[key] for key in women_and_children),
    )
    b.relate("women_and_children", women_and_children)
    b.relate("victims", ["women_and_children", *[f"sex_child.{sex}.adult" for sex in Sex.values if sex != Sex.FEMALE]])
    shares["women_and_children.share"] = (
        _("Women and children, share of victims"),
        "women_and_children",
        "victims",
        ["women_and_children", "victims"],
    )
    tables.append(
        (
            "sex_child",
            _("Victims by sex, children and adults"),
            [("women_and_children", 0), ("women_and_children.share", 1), *[(key, 0) for key in sex_child_keys]],
            _("Child: under 18 at reception."),
        )
    )

    # Incidents by destination (docs/domain.md §7: "95% of cases cross-border").
    incidents_recorded = counts["incidents.with_destination"]
    b.cell("incidents.cross_border", _("Incidents across the border"), counts["incidents.cross_border"])
    b.cell("incidents.domestic", _("Incidents within Vietnam"), incidents_recorded - counts["incidents.cross_border"])
    b.cell("incidents.destination_none", _("Destination not recorded"), counts["incidents"] - incidents_recorded)
    b.relate("incidents", ["incidents.cross_border", "incidents.domestic", "incidents.destination_none"])
    incident_destinations = list(
        victims.filter(incident__isnull=False, destination_country__isnull=False)
        .exclude(destination_country__alpha2=HOME_COUNTRY)
        .values("destination_country__alpha2", "destination_country__name", "destination_country__name_en")
        .annotate(n=Count("incident", distinct=True))
        .order_by("-n", "destination_country__alpha2")
    )
    country_keys = [
        b.cell(
            f"incidents.destination.{row['destination_country__alpha2']}",
            label_of(row, "destination_country__"),
            row["n"],
        )
        for row in incident_destinations
    ]
    if sum(row["n"] for row in incident_destinations) == counts["incidents.cross_border"]:
        # Unless an incident's victims went to different countries: then no relation at all.
        b.relate("incidents.cross_border", country_keys)
    shares["incidents.cross_border.share"] = (
        _("Cross-border share of incidents whose destination is recorded"),
        "incidents.cross_border",
        "incidents.with_destination",
        ["incidents.cross_border", "incidents.domestic"],
    )
    b.remainder("incidents", ["incidents.destination_none"], "incidents.with_destination")
    b.relate("incidents.with_destination", ["incidents.cross_border", "incidents.domestic"])
    tables.append(
        (
            "incident_destination",
            _("Incidents by destination"),
            [
                ("incidents.cross_border", 0),
                ("incidents.cross_border.share", 1),
                *[(key, 1) for key in country_keys],
                ("incidents.domestic", 0),
                ("incidents.destination_none", 0),
            ],
            _(
                "An incident is across the border when one of its victims was taken abroad. "
                "An incident whose victims went to several countries counts in each of them."
            ),
        )
    )

    # Offenders by the furthest stage of the proceedings.
    b.cell("offenders.arrested", _("Arrested"), offenders[Offender.Stage.ARRESTED])
    b.cell("offenders.prosecuted", _("Prosecuted"), offenders[Offender.Stage.PROSECUTED])
    b.cell("offenders.convicted", _("Convicted"), offenders[Offender.Stage.CONVICTED])
    b.cell("offenders.at_large", _("Not arrested"), offenders["at_large"])
    b.cell("offenders.stage_none", _("Not recorded"), offenders["unrecorded"])
    b.relate("offenders", ["offenders.arrested", "offenders.at_large", "offenders.stage_none"])
    b.remainder("offenders.arrested", ["offenders.prosecuted"], "offenders.arrested_only")
    b.remainder("offenders.prosecuted", ["offenders.convicted"], "offenders.prosecuted_only")
    tables.append(
        (
            "offender_stage",
            _("Offenders by stage of the proceedings"),
            [
                ("offenders", 0),
                ("offenders.arrested", 1),
                ("offenders.prosecuted", 1),
                ("offenders.convicted", 1),
                ("offenders.at_large", 1),
                ("offenders.stage_none", 1),
            ],
            _("Each stage counts the offenders who reached it, including those who went further."),
        )
    )

    destinations = (
        victims.values("destination_country__alpha2", "destination_country__name", "destination_country__name_en")
        .annotate(n=Count("pk"))
        .order_by("-n", "destination_country__alpha2")
    )
    partition(
        "destination",
        _("Victims by destination country"),
        [
            (
                f"destination.{row['destination_country__alpha2'] or NOT_RECORDED}",
                label_of(row, "destination_country__") if row["destination_country__alpha2"] else _("Not recorded"),
                row["n"],
                victims_base | {"destination": row["destination_country__alpha2"] or NOT_RECORDED},
            )
            for row in destinations
        ],
    )

    forms = (
        Case.exploitation_forms.through.objects.filter(
            case__in=victims, picklistvalue__list_name=PicklistValue.List.EXPLOITATION_TYPE
        )
        .values("picklistvalue__code", "picklistvalue__name", "picklistvalue__name_en")
        .annotate(n=Count("case_id", distinct=True))
        .order_by("-n", "picklistvalue__code")
    )
    form_keys = [
        b.cell(
            f"exploitation.{row['picklistvalue__code']}",
            label_of(row, "picklistvalue__"),
            row["n"],
            victims_base | {"exploitation": row["picklistvalue__code"]},
        )
        for row in forms
    ]
    b.cell("exploitation.none", _("Not recorded"), counts["exploitation.none"])
    if len(form_keys) == 1:
        # One form only: every victim has it or none, and the two rows add up to the victims.
        b.relate("victims", [*form_keys, "exploitation.none"])
    tables.append(
        (
            "exploitation",
            _("Victims by form of exploitation"),
            [(key, 0) for key in [*form_keys, "exploitation.none"]],
            _("A victim may have suffered several forms: the rows do not add up to the total."),
        )
    )

    partition(
        "return",
        _("Victims by how they returned"),
        [
            (f"return.{mode}", label, counts[f"return.{mode}"], victims_base | {"return_mode": mode})
            for mode, label in ReturnMode.choices
        ]
        + [("return.none", _("Not recorded"), counts["return.none"], victims_base | {"return_mode": NOT_RECORDED})],
    )

    # Everyone received, victims or not (docs/domain.md §7: "3,090 victims and suspected victims;
    # 2,571 returned home, 1,237 of them on their own").
    came_back = [ReturnMode.SELF_RETURNED, ReturnMode.RESCUED, ReturnMode.HANDED_OVER]
    return_labels = dict(ReturnMode.choices)
    for mode in ReturnMode.values:
        b.cell(f"return_all.{mode}", return_labels[mode], counts[f"return_all.{mode}"], {"return_mode": mode})
    b.cell("return_all.none", _("Not recorded"), counts["return_all.none"], {"return_mode": NOT_RECORDED})
    b.cell("return_all.returned", _("Returned from abroad"), sum(counts[f"return_all.{mode}"] for mode in came_back))
    b.relate("return_all.returned", [f"return_all.{mode}" for mode in came_back])
    b.relate("received", ["return_all.returned", f"return_all.{ReturnMode.NOT_APPLICABLE}", "return_all.none"])
    tables.append(
        (
            "return_all",
            _("People received by how they returned"),
            [
                ("return_all.returned", 0),
                *[(f"return_all.{mode}", 1) for mode in came_back],
                (f"return_all.{ReturnMode.NOT_APPLICABLE}", 0),
                ("return_all.none", 0),
            ],
            _("Everyone received: victims, people in identification, people found not to be victims."),
        )
    )

    if by_province:
        rows = victims.values(
            "reception_province_id", "reception_province__name", "reception_province__name_en"
        ).annotate(n=Count("pk"))
        partition(
            "province",
            _("Victims by province of reception"),
            [
                (
                    f"province.{row['reception_province_id']}",
                    label_of(row, "reception_province__"),
                    row["n"],
                    victims_base | {"province": str(row["reception_province_id"])},
                )
                for row in sorted(rows, key=lambda row: label_of(row, "reception_province__"))
            ],
        )
    if by_agency:
        rows = victims.values("owning_agency_id", "owning_agency__name", "owning_agency__name_en").annotate(
            n=Count("pk")
        )
        partition(
            "agency",
            _("Victims by agency handling the case"),
            [
                (
                    f"agency.{row['owning_agency_id']}",
                    label_of(row, "owning_agency__"),
                    row["n"],
                    victims_base | {"agency": str(row["owning_agency_id"])},
                )
                for row in sorted(rows, key=lambda row: label_of(row, "owning_agency__"))
            ],
        )

    hidden = suppression.suppress(b.cells, b.relations, start_hidden) if suppress else set()
    headline = [
        b.figure(key, hidden, with_links=with_links)
        for key in (
            "received",
            "victims",
            "child_victims",
            "incidents",
            "incidents_with_child_victims",
            "offenders",
            "in_identification",
            "not_victims",
            "accompanying",
            "victims_without_incident",
        )
    ]

    def share(key: str, indent: int) -> Figure:
        label, part, whole, sources = shares[key]
        value = None if hidden & set(sources) else _share(b.cells[part], b.cells[whole])
        return Figure(key=key, label=label, value=value, indent=indent, unit="%")

    built = [
        Table(
            key=key,
            title=title,
            figures=[
                share(cell_key, indent)
                if cell_key in shares
                else b.figure(cell_key, hidden, with_links=with_links, indent=indent)
                for cell_key, indent in cells
                # A share of nothing is left out, not hidden.
                if cell_key not in shares or b.cells[shares[cell_key][2]]
            ],
            note=note,
        )
        for key, title, cells, note in tables
    ]
    statistics = Statistics(
        headline=headline, tables=built, suppressed=suppress, _values=b.cells, _relations=b.relations
    )
    statistics.hidden = sum(value is None for value in statistics.figures().values())
    return statistics


def must_suppress(scope: Scope, *, role: str | None = None, shared: bool = False) -> bool:
    """Whether small cells are hidden (decision 91).

    True figures are for those with a statistics mandate over them: the agency's own cases for
    anyone who may see the dashboards, the province or the country of the agency's statistics
    scope for its supervisors. Whatever leaves the agency (a shared export) and anyone without
    the mandate (an agency administrator looking beyond her own cases, a caller naming no role)
    get suppressed figures."""
    if shared:
        return True
    if scope.own_cases_only:
        return False
    return role not in MANDATED_ROLES


def statistics_for(
    scope: Scope,
    filters: Filters,
    *,
    suppress: bool,
    with_links: bool = False,
    today: datetime.date | None = None,
    nested: bool = True,
) -> Statistics:
    """The statistics of the page and the exports. Suppressed over a fixed period that has
    ended, they start from the hidden cells of every period of its year (`dashboards.lattice`);
    `nested=False` counts one period alone (the lattice's own counts)."""
    hidden = None
    if suppress and nested:
        from dashboards import lattice  # lattice counts periods with this module

        hidden = lattice.hidden_for(scope, filters, today or timezone.localdate())
    from dashboards import rollups  # rollups count with this module's cells

    return official_statistics(
        scoped_cases(scope, filters),
        counts=rollups.statistics_counts(scope, filters),
        suppress=suppress,
        filters=filters,
        by_province=scope.level == "national" and not filters.province_id,
        by_agency=scope.level != "agency" and not filters.agency_id,
        with_links=with_links,
        hidden=hidden,
    )


def statistics_table_rows(scope: Scope, filters: Filters, *, suppress: bool) -> list[list]:
    """The statistics as spreadsheet rows (first row: the title saying whether the file may be
    shared, then the header), the same figures as the page."""
    stats = statistics_for(scope, filters, suppress=suppress)
    rows: list[list] = [[export_title(suppress=suppress), "", ""], [_("Table"), _("Figure"), _("Value")]]

    def value(figure: Figure):
        return HIDDEN_MARK if figure.hidden else figure.value

    for figure in stats.headline:
        rows.append([_("Summary"), figure.label, value(figure)])
    for table in stats.tables:
        for figure in table.figures:
            rows.append([table.title, ("  " * figure.indent) + figure.label, value(figure)])
    rows.append([])
    rows.append([_("Covers"), scope.label(), ""])
    rows.append([_("Received from"), filters.date_from.strftime("%d/%m/%Y") if filters.date_from else "", ""])
    rows.append([_("Received until"), filters.date_to.strftime("%d/%m/%Y") if filters.date_to else "", ""])
    rows.append([_("Produced at"), timezone.localtime().strftime("%d/%m/%Y %H:%M"), ""])
    if suppress:
        rows.append([HIDDEN_MARK, hidden_note(), ""])
    return rows


def hidden_note() -> str:
    return _("Figures of 1 to 10, and figures from which one of them could be worked out, are hidden.")


def export_title(*, suppress: bool) -> str:
    """The first line of a statistics file: whether it may leave the agency."""
    if suppress:
        return _("Official statistics – for sharing: figures of 1 to 10 are hidden")
    return _("Official statistics – internal, true figures: not to be shared outside the agency")


def period_of(date_from: datetime.date | None, date_to: datetime.date | None) -> str:
    if date_from and date_to:
        return f"{date_from:%d/%m/%Y} – {date_to:%d/%m/%Y}"
    if date_from:
        return _("from %(day)s") % {"day": f"{date_from:%d/%m/%Y}"}
    if date_to:
        return _("until %(day)s") % {"day": f"{date_to:%d/%m/%Y}"}
    return _("all time")
