from django import template
from django.db.models import Q

from referrals.access import may_open_referral

register = template.Library()


@register.inclusion_tag("referrals/_case_referrals.html")
def case_referrals(case, user, caps):
    """The case's referrals in one query, for the case page. The send form is a page of its
    own, so its choice lists do not weigh on the case page's query budget (QUALITY P1).

    Another agency holding the case sees only the referrals at its own ends: the rest name
    agencies it has no business knowing about (docs/decisions.md 13). The lead agency sees
    every referral of its case, but links only to those it may open (a referral between two
    earlier holders of the lead is not its to open).
    """
    agency = user.active_membership.agency
    referrals = case.referrals.select_related("purpose", "from_agency", "to_agency")
    if agency.pk != case.owning_agency_id:
        referrals = referrals.filter(Q(from_agency=agency) | Q(to_agency=agency))
    referrals = list(referrals)
    for referral in referrals:
        referral.may_open = may_open_referral(user, referral)
    return {
        "case": case,
        "referrals": referrals,
        "may_send": "send_referral" in caps,
    }
