"""What of a case its reader is shown, by sensitivity class: ONE table of field → class that the
case page and the printed case summary both read (decision 208).

A field is `"<section>.<name>"`; every field of a section needs the same class, so a section is
shown whole or not at all (the case page's cards), and the printed summary prints a field only
when its key is here and its class is held: a field added to the print without a row here
fails (KeyError) before anything is printed. The apps above casework (shelters' stays,
support's plan, referrals) read `section_class` for their section of the case page and the
summary rather than naming the class again.
"""

from collections.abc import Collection

from django.db.models import QuerySet
from django.utils.translation import get_language

from casework.models import Case, CaseEvent, Note, SensitivityClass

CORE = SensitivityClass.CORE
IDENTITY = SensitivityClass.IDENTITY
INVESTIGATION = SensitivityClass.INVESTIGATION
SHELTER = SensitivityClass.SHELTER
SUPPORT = SensitivityClass.SUPPORT

CASE_FIELDS: dict[str, str] = {
    # The summary card: facts of the case every holder of `core` reads.
    "summary.reference": CORE,
    "summary.status": CORE,
    "summary.person_status": CORE,
    "summary.legal_regime": CORE,
    "summary.is_child": CORE,
    "summary.lead_agency": CORE,
    "summary.assigned_to": CORE,
    "summary.came_to_notice": CORE,
    "summary.received": CORE,
    "summary.due_at": CORE,
    "summary.verification": CORE,
    "summary.return_mode": CORE,
    "summary.destination_country": CORE,
    "summary.whereabouts": CORE,
    "summary.route": CORE,
    "summary.absent": CORE,
    "summary.exploitation_forms": CORE,
    "summary.recruitment_methods": CORE,
    "summary.means_of_control": CORE,
    "summary.identification": CORE,
    "summary.closure_reason": CORE,
    # The person: who she is and where she can be found.
    "person.full_name": IDENTITY,
    "person.sex": IDENTITY,
    "person.birth": IDENTITY,
    "person.ethnicity": IDENTITY,
    "person.nationality": IDENTITY,
    "person.document": IDENTITY,
    "person.home": IDENTITY,
    "person.phone": IDENTITY,
    "person.languages": IDENTITY,
    "person.disability": IDENTITY,
    "person.poor_household": IDENTITY,
    "person.stateless_resident": IDENTITY,
    "person.guardian": IDENTITY,
    # The incident and its offenders.
    "investigation.criminal_case_number": INVESTIGATION,
    "investigation.stage": INVESTIGATION,
    "investigation.summary": INVESTIGATION,
    "investigation.offenders": INVESTIGATION,
    # The lead agency's tasks and their deadlines.
    "tasks.tasks": CORE,
    # Which referrals a reader sees is `referrals.access.case_page_shows_referral`.
    "referrals.referrals": CORE,
    # Where she stays tells where she can be found.
    "stays.stays": SHELTER,
    "support.plan": SUPPORT,
    # Each line of the timeline also needs its own class (`readable_events`).
    "timeline.events": CORE,
}


def section_class(section: str) -> str:
    """The class every field of `section` needs (KeyError for a section the table does not know)."""
    classes = {cls for key, cls in CASE_FIELDS.items() if key.split(".", 1)[0] == section}
    if len(classes) != 1:
        raise KeyError(section)
    return classes.pop()


SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(key.split(".", 1)[0] for key in CASE_FIELDS))


def shown_sections(held: Collection[str]) -> dict[str, bool]:
    """Each section of the case, and whether a reader holding `held` is shown it."""
    return {section: section_class(section) in held for section in SECTIONS}


def shows(held: Collection[str], field: str) -> bool:
    """Whether a reader holding `held` is shown `field` (KeyError for a field without a class)."""
    return CASE_FIELDS[field] in held


# Who holds a case and who registered the person elsewhere is for the owning agency only:
# a grant event names the shelter, which a holder of `core` must not learn.
OWNER_ONLY_EVENTS = frozenset(
    {
        CaseEvent.Kind.GRANT,
        CaseEvent.Kind.REVOKE,
        CaseEvent.Kind.ASSIGNED,
        CaseEvent.Kind.POSSIBLE_DUPLICATE,
        CaseEvent.Kind.CONSENT,
        CaseEvent.Kind.CONSENT_WITHDRAWN,
        CaseEvent.Kind.REFERRAL,
        # Who registered the person elsewhere (decision 193).
        CaseEvent.Kind.SAME_PERSON,
        CaseEvent.Kind.SAME_PERSON_UNLINKED,
        CaseEvent.Kind.MERGED,
        CaseEvent.Kind.MERGE_REVERSED,
    }
)


def readable_notes(case: Case, held: Collection[str]) -> QuerySet[Note]:
    """The notes of a case in the classes the reader holds, newest first, filtered in SQL."""
    return case.notes.filter(sensitivity__in=list(held)).select_related("author", "agency")


def readable_events(
    case: Case, held: Collection[str], *, is_lead: bool, limit: int = 100, timeline: list[CaseEvent] | None = None
) -> list[CaseEvent]:
    """The newest `limit` timeline lines (or the `timeline` already read), less those the
    reader may not read: a line of a class not held, a line for the owning agency only, and for
    a holder of `identity` the core line that says only "identity details corrected" (she reads
    the corrected values on their own line)."""
    hidden = {CaseEvent.Kind.IDENTITY_UPDATED} if IDENTITY in held else set()
    if timeline is None:
        timeline = list(case.events.select_related("actor", "agency")[:limit])
    return [
        event
        for event in timeline
        if event.sensitivity in held and (is_lead or event.kind not in OWNER_ONLY_EVENTS) and event.kind not in hidden
    ]


def case_picklists(case: Case) -> dict[str, list]:
    """The three HTCDS picklists of a case in one query."""
    through_models = {
        "exploitation_forms": Case.exploitation_forms.through,
        "means_of_control": Case.means_of_control.through,
        "recruitment_methods": Case.recruitment_methods.through,
    }
    parts = [
        model.objects.filter(case_id=case.pk).values_list(
            "picklistvalue__name", "picklistvalue__name_en", "picklistvalue__list_name"
        )
        for model in through_models.values()
    ]
    english = (get_language() or "vi").startswith("en")
    found: dict[str, list] = {"exploitation_type": [], "means_of_control": [], "recruitment_method": []}
    for name, name_en, list_name in parts[0].union(*parts[1:], all=True):
        found.setdefault(list_name, []).append(name_en if english and name_en else name)
    return found
