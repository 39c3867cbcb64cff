"""What a case page says about the reception group its case was registered in (decision 265).

Everyone who may see the case reads that it came in a group, its short code (its name only in
the registering agency, as the name is free text that may name a person),
when the group was registered and how many others came with it; the other members are links
only where the reader may see their cases (`casework.access.visible_cases`), so the block
names no case the reader could not open. The group page itself is the registering agency's.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from casework.access import Actor, active_membership, visible_cases
from casework.lib.fixed_query import FixedQuery
from casework.models import Case, ReceptionGroup, ReceptionGroupMember


@dataclass(frozen=True)
class OtherMember:
    public_id: str
    reference: str


@dataclass(frozen=True)
class GroupOfCase:
    group: ReceptionGroup
    # How many other people were registered in the group.
    others: int
    # The other members' cases the reader may open, in the group's row order.
    visible_others: list[OtherMember]
    # Whether the reader may open the group page (her agency registered the group).
    may_open_group: bool

    @property
    def code(self) -> str:
        """The group's name for the agency that registered it; a short code for everyone else.
        The name is free text a worker typed ("the Lò family") and may name a person, and it has
        no class of its own in the disclosure table, so it does not leave that agency."""
        if self.may_open_group and self.group.name:
            return self.group.name
        return str(self.group.public_id)[:8]


# Asked on every case page: compiled once per process (decision 337).
_member_of = FixedQuery(
    lambda case_id: ReceptionGroupMember.objects.select_related("group").filter(case_id=case_id).order_by("pk")[:1],
    int,
)


def group_of_case(user: Actor, case: Case) -> GroupOfCase | None:
    """The group `case` was received in, as `user` may be told of it; None outside a group.
    One query for a case outside a group, two inside one: joining the group into
    `access_case`'s query instead made PostgreSQL spend ~30 ms planning its 15 joins."""
    found = _member_of(case.pk)
    if not found:
        return None
    group = found[0].group
    readable = Exists(visible_cases(user).filter(pk=OuterRef("case_id")))
    others = list(
        group.members.exclude(case_id=case.pk)
        .annotate(readable=readable)
        .order_by("position")
        .values_list("case__public_id", "case__reference", "readable")
    )
    membership = active_membership(user)
    return GroupOfCase(
        group=group,
        others=len(others),
        visible_others=[OtherMember(str(public_id), reference) for public_id, reference, shown in others if shown],
        may_open_group=membership is not None and membership.agency_id == group.agency_id,
    )
