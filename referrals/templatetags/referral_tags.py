from django import template

from casework.lib.fixed_query import FixedQuery
from referrals.access import case_page_shows_referral, may_open_referral
from referrals.models import Referral, ReferralPurpose

register = template.Library()

# Asked on every case page: compiled once per process (decision 337).
_referrals_of = FixedQuery(
    lambda case_id: Referral.objects.filter(case_id=case_id).select_related("purpose", "from_agency", "to_agency"), int
)


@register.inclusion_tag("referrals/_case_referrals.html")
def case_referrals(case, user, caps):
    """The case's referrals in one query, for the case page. The send form is a page of its
    own, so its choice lists do not weigh on the case page's query budget (QUALITY P1).

    Which referrals are listed is `case_page_shows_referral` (the exports use it too); a listed
    referral is a link only where the user may open it (one between two earlier holders of the
    lead is not the new lead's to open).
    """
    agency_id = user.active_membership.agency_id
    referrals = [
        referral
        for referral in _referrals_of(case.pk, known={"case": case})
        if case_page_shows_referral(agency_id, case, referral)
    ]
    for referral in referrals:
        referral.may_open = may_open_referral(user, referral)
    return {
        "case": case,
        "referrals": referrals,
        "may_send": "send_referral" in caps,
    }


@register.filter
def purpose_label(code: str) -> str:
    """A referral purpose's label from its code (a grant keeps the code), in the page's language."""
    if not code:
        return ""
    purpose = ReferralPurpose.objects.filter(code=code).first()
    return purpose.label if purpose is not None else code
