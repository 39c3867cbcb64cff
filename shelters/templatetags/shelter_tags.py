from django import template
from django.utils import timezone

from casework.disclosure import section_class
from casework.lib.fixed_query import FixedQuery
from shelters.access import may_act, own_facility
from shelters.forms import FollowUpForm
from shelters.models import FollowUpVisit, Stay

register = template.Library()

# Asked on every case page: compiled once per process (decision 337).
_stays_of = FixedQuery(lambda case_id: Stay.objects.filter(case_id=case_id).select_related("facility", "bed"), int)
_visits_of = FixedQuery(
    lambda case_id, agency_id: FollowUpVisit.objects.filter(case_id=case_id, agency_id=agency_id).order_by(
        "due_on", "id"
    ),
    int,
    int,
)


@register.inclusion_tag("shelters/_case_stays.html")
def case_stays(case, user, held):
    """The case's stays for holders of `shelter` class, in one query, with links to the stay
    page for the facility's own staff and, for them, a walk-in admission when she has none."""
    if section_class("stays") not in held:
        return {"shown": False}
    stays = _stays_of(case.pk, known={"case": case})
    agency_id = user.active_membership.agency_id
    facility = next((stay.facility for stay in stays if stay.facility.agency_id == agency_id), None)
    walk_in = may_act(user) and case.owning_agency_id == agency_id and not any(stay.is_current for stay in stays)
    if walk_in and facility is None:
        # Only someone who could admit her asks which facility their agency runs.
        facility = own_facility(user)
    return {
        "shown": True,
        "case": case,
        "stays": stays,
        "own": facility if facility is not None and facility.is_active else None,
        "may_admit": walk_in and facility is not None and facility.is_active,
    }


@register.inclusion_tag("shelters/_case_followups.html")
def case_followups(case, user):
    """Follow-up visits the active agency is responsible for on this case (a facility's own
    plan, or the plan handed to her home commune), each with its form, in one query."""
    agency_id = user.active_membership.agency_id
    visits = _visits_of(case.pk, agency_id)
    may_record = may_act(user)
    # Most cases have no visit of this agency: the form is built only where it is shown.
    shows_form = may_record and any(not visit.outcome for visit in visits)
    return {
        "visits": visits,
        "may_record": may_record,
        "form": FollowUpForm(initial={"visited_on": timezone.localdate()}) if shows_form else None,
    }
