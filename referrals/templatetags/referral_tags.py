from django import template
from django.db.models import Q

register = template.Library()


@register.inclusion_tag("referrals/_case_referrals.html")
def case_referrals(case, user, caps):
    """The case's referrals in one query, for the case page. The send form is a page of its
    own, so its choice lists do not weigh on the case page's query budget (QUALITY P1).

    Another agency holding the case sees only the referrals at its own ends: the rest name
    agencies it has no business knowing about (docs/decisions.md 13).
    """
    agency = user.active_membership.agency
    referrals = case.referrals.select_related("purpose", "from_agency", "to_agency")
    if agency.pk != case.owning_agency_id:
        referrals = referrals.filter(Q(from_agency=agency) | Q(to_agency=agency))
    return {
        "case": case,
        "referrals": list(referrals),
        "may_send": "send_referral" in caps,
    }
