from django import template

from casework.models import SensitivityClass
from shelters.access import own_facility

register = template.Library()


@register.inclusion_tag("shelters/_case_stays.html")
def case_stays(case, user, held):
    """The case's stays for holders of `shelter` class, in one query, with links to the stay
    page for the facility's own staff and, for them, a walk-in admission when she has none."""
    if SensitivityClass.SHELTER not in held:
        return {"shown": False}
    stays = list(case.stays.select_related("facility", "bed"))
    facility = own_facility(user)
    return {
        "shown": True,
        "case": case,
        "stays": stays,
        "own": facility,
        "may_admit": facility is not None
        and case.owning_agency_id == facility.agency_id
        and not any(stay.is_current for stay in stays),
    }
