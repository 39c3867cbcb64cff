"""The case page's timeline as it is shown: access changes folded into one line per action.

Every grant and revoke is still a `CaseEvent` (and an `AuditEvent`, written by `grant_case`
and `revoke_case`): the history is kept whole. Registering one case writes a grant per role
of the owning agency and per routed referral, which drowned the timeline, so the page shows
the run of access changes one action made as one line ("who can see was updated"), linking
to the case's access page (docs/decisions.md 204).
"""

import datetime
from dataclasses import dataclass, field

from casework.models import CaseEvent

ACCESS_KINDS = frozenset({CaseEvent.Kind.GRANT, CaseEvent.Kind.REVOKE})
# Access changes of one action are written in one transaction, within moments of each other.
SAME_ACTION = datetime.timedelta(seconds=30)


@dataclass
class AccessChange:
    """One folded line: the grants and revokes one actor's action wrote."""

    at: datetime.datetime
    actor: object
    agency: object
    granted: int = 0
    revoked: int = 0
    events: list[CaseEvent] = field(default_factory=list)
    folded = True

    def add(self, event: CaseEvent) -> None:
        self.events.append(event)
        if event.kind == CaseEvent.Kind.GRANT:
            self.granted += 1
        else:
            self.revoked += 1

    @property
    def count(self) -> int:
        return self.granted + self.revoked


def fold_access_events(events: list[CaseEvent]) -> list[CaseEvent | AccessChange]:
    """The events newest first, with the grants and revokes of one action (same actor and
    agency, recorded within `SAME_ACTION` of each other, other lines in between allowed) as
    one `AccessChange` where the newest of them was."""
    shown: list[CaseEvent | AccessChange] = []
    open_runs: dict[tuple[int | None, int | None], tuple[AccessChange, datetime.datetime]] = {}
    for event in events:
        if event.kind not in ACCESS_KINDS:
            shown.append(event)
            continue
        key = (event.actor_id, event.agency_id)
        run = open_runs.get(key)
        if run is not None and run[1] - event.recorded_at <= SAME_ACTION:
            change = run[0]
        else:
            change = AccessChange(at=event.at, actor=event.actor, agency=event.agency)
            shown.append(change)
        change.add(event)
        open_runs[key] = (change, event.recorded_at)
    return shown
