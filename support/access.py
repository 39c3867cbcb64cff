"""Who may act on the support rows beyond the case's classes (casework.access decides those)."""

from casework.access import Actor, active_membership
from support.models import Claim


def may_decide_claim(user: Actor, claim: Claim) -> bool:
    """Someone acting now as the item's deciding role of the claim's deciding agency."""
    membership = active_membership(user)
    return (
        membership is not None
        and membership.agency_id == claim.deciding_agency_id
        and membership.role == claim.item.deciding_role
    )
