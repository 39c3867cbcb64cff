"""Registering a group of people received together (issue 16, decisions 190–192).

Each person is registered by the wizard's own action, `casework.actions.do_create_case`, so
routing, grants, the timeline, entitlements and the audit are exactly those of a case
registered alone; the group adds one incident that every case is linked to (through
`do_link_incident`, with its timeline line and audit row) and the record of who came with whom.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from casework import audit
from casework.actions import do_create_case, do_flag_possible_duplicates, do_link_incident
from casework.models import Agency, AuditEvent, Case, Incident, Person, ReceptionGroup, ReceptionGroupMember, User

PICKLISTS = ("exploitation_forms", "means_of_control", "recruitment_methods")


@dataclass
class GroupPerson:
    """One row of the group: the person's details, the row number of whoever accompanies them,
    and the matching cases the registering user may not see (their owners are told)."""

    position: int
    person: dict
    accompanied_by: int | None = None
    elsewhere: list[Case] = field(default_factory=list)


def do_register_group(
    *,
    token: str,
    actor: User,
    agency: Agency,
    facts: dict,
    people: list[GroupPerson],
    name: str = "",
    incident_fields: dict | None = None,
) -> tuple[ReceptionGroup, bool]:
    """Register the group of one sitting, in one transaction: the incident, the group, and a
    case per person. A sitting that already registered its group gets that group back, with
    False (decision 191); two concurrent submissions meet on the group's unique token."""
    earlier = ReceptionGroup.objects.filter(token=token, created_by=actor).first()
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            group = _register(token, actor, agency, facts, people, name, incident_fields or {})
    except IntegrityError:
        earlier = ReceptionGroup.objects.filter(token=token, created_by=actor).first()
        if earlier is None:
            raise
        return earlier, False
    return group, True


def _register(token, actor, agency, facts, people, name, incident_fields) -> ReceptionGroup:
    incident = Incident.objects.create(agency=agency, **incident_fields)
    # The unique token goes in first: a concurrent twin waits here, then rolls back.
    group = ReceptionGroup.objects.create(token=token, agency=agency, incident=incident, name=name, created_by=actor)
    shared = {key: value for key, value in facts.items() if key not in PICKLISTS}
    picklists = {key: list(facts.get(key) or ()) for key in PICKLISTS}
    cases: dict[int, Case] = {}
    for row in people:
        case = do_create_case(person=Person(**row.person), case=Case(**shared), actor=actor, agency=agency, **picklists)
        do_link_incident(case, incident, actor=actor, agency=agency)
        cases[row.position] = case
    ReceptionGroupMember.objects.bulk_create(
        ReceptionGroupMember(
            group=group,
            case=cases[row.position],
            position=row.position,
            accompanied_by=cases.get(row.accompanied_by) if row.accompanied_by else None,
        )
        for row in people
    )
    for row in people:
        if row.elsewhere:
            do_flag_possible_duplicates(cases[row.position], row.elsewhere, actor=actor)
    audit.record(
        AuditEvent.Action.CREATE,
        actor=actor,
        obj=group,
        agency=agency,
        detail={"cases": [case.reference for case in cases.values()], "incident": str(incident.public_id)},
    )
    return group
