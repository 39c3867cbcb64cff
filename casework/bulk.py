"""Registering many cases at once, with what the one-case actions write for each (decision 255).

`do_register_cases` is `do_create_case` followed by the status actions (`do_transition_case`,
`do_record_identification`) and `corrections.do_keep_stated_decision`, for a list of new cases,
in a constant number of statements: the same rows (person, case, lead, picklists, the four
grants of the owning agency's groups with their permission rows, timeline lines, audit rows)
with the same values and the same refusals, written with `bulk_create`. Higher apps are told
once, by `signals.cases_changed`, instead of once per case and per move: routing looks at a
case as it is, so one routing per new case decides what the moves would have (decision 256).

The HTCDS importer is its caller (`exchange/htcds/importer.py`); the wizard and group reception
register one case at a time through `do_create_case`.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework import audit
from casework.actions import (
    IDENTIFIABLE,
    REGISTERED,
    ROLE_ACCESS,
    SOCIAL_AGENCY_KIND,
    CaseworkError,
    _assign,
    _grant_description,
    age_facts,
    do_ensure_agency_groups,
    legal_regime_for,
    possible_duplicate_notice,
    start_verification_clock,
    timeline_values,
)
from casework.corrections import STATED_DECISION_FIELDS
from casework.models import (
    IDENTIFICATION_OUTCOMES,
    TRANSITIONS,
    Agency,
    AuditEvent,
    Case,
    CaseEvent,
    CaseGrant,
    CaseGroupObjectPermission,
    CaseLead,
    CaseStatus,
    Incident,
    Membership,
    Offender,
    Person,
    PersonStatus,
    ReferenceCounter,
    Role,
    SensitivityClass,
    StatusDeadline,
    User,
)
from casework.object_permissions import codenames
from casework.service_accounts import is_service_account
from casework.signals import cases_changed


@dataclass
class Move:
    """One step along the status machine: a transition with its reason, or (to identified or
    not identified) the identification decision with its date and authority."""

    status: str
    reason: str
    identified_on: datetime.date | None = None
    authority: str = ""


@dataclass
class NewCase:
    """What `do_create_case` takes for one case, the moves after it, and the decision facts
    put back afterwards (`corrections.do_keep_stated_decision`)."""

    person: Person
    case: Case
    exploitation_forms: list = field(default_factory=list)
    means_of_control: list = field(default_factory=list)
    recruitment_methods: list = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    stated: dict = field(default_factory=dict)


def allocate_references(counts: dict[tuple, int]) -> dict[tuple, list[str]]:
    """For each (province, year) of `counts`, that many consecutive references, as
    `actions.allocate_reference` gives one at a time: one upsert for every counter of the call
    (a chunk of historic cases spans dozens of years), in a fixed order so that two imports
    queue on the counter rows rather than deadlock."""
    keys = sorted(counts, key=lambda key: (key[0].pk, key[1]))
    if not keys:
        return {}
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(keys))
    sql = (
        f"INSERT INTO {table} (province_id, year, last) VALUES {values} "  # noqa: S608 — names from the model
        f"ON CONFLICT (province_id, year) DO UPDATE SET last = {table}.last + excluded.last "
        "RETURNING province_id, year, last"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [value for key in keys for value in (key[0].pk, key[1], counts[key])])
        last = {(province_id, year): value for province_id, year, value in cursor.fetchall()}
    references = {}
    for province, year in keys:
        end, count = last[(province.pk, year)], counts[(province, year)]
        references[(province, year)] = [
            f"{province.code}-{year}-{number:06d}" for number in range(end - count + 1, end + 1)
        ]
    return references


class _Writer:
    """The rows of one call, collected in the order the one-case actions write them."""

    def __init__(self, actor: User, agency: Agency):
        self.actor, self.agency = actor, agency
        self.now = timezone.now()
        self.deadlines = dict(StatusDeadline.objects.values_list("status", "hours"))
        # Fields of rows, not model instances: an import writes ten of each per case.
        self.events: list[dict] = []
        self.audits: list[dict] = []

    def due_after(self, status: str, since: datetime.datetime) -> datetime.datetime | None:
        hours = self.deadlines.get(status)
        return since + datetime.timedelta(hours=hours) if hours else None

    def event(self, case: Case, kind: str, **fields) -> None:
        self.events.append(timeline_values(case, kind, actor=self.actor, **fields))

    def audit(self, action: str, **fields) -> None:
        self.audits.append(audit.values(action, actor=self.actor, **fields))

    def move(self, case: Case, new_status: str, reason: str, kind=CaseEvent.Kind.TRANSITION) -> None:
        """`actions._move` on the unsaved case."""
        old = case.status
        case.status = new_status
        case.status_changed_at = self.now
        case.due_at = None if case.historic else self.due_after(new_status, self.now)
        case.overdue_flagged_at = None
        self.event(case, kind, old=old, new=new_status, reason=reason)
        self.audit(
            AuditEvent.Action.TRANSITION,
            case=case,
            obj=case,
            classes=[SensitivityClass.CORE],
            detail={"from": old, "to": new_status},
        )

    def transition(self, case: Case, move: Move) -> None:
        """`actions.do_transition_case`, its refusals included."""
        reason = (move.reason or "").strip()
        if move.status not in TRANSITIONS.get(case.status, set()):
            raise CaseworkError(
                _("A case cannot move from “%(old)s” to “%(new)s”.")
                % {"old": CaseStatus(case.status).label, "new": CaseStatus(move.status).label}
            )
        if not reason:
            raise CaseworkError(_("Give a reason for this status change."))
        self.move(case, move.status, reason)
        if move.status == CaseStatus.CLOSED:
            case.closure_reason = reason

    def identify(self, case: Case, move: Move) -> None:
        """`actions.do_record_identification` with no deciding agency, document, grounds or
        officer (what another system states), its refusals included."""
        reason = (move.reason or "").strip()
        identified_on, authority = move.identified_on, (move.authority or "").strip()
        if case.status not in IDENTIFIABLE:
            raise CaseworkError(
                _("An identification decision can only be recorded during verification or identification.")
            )
        if identified_on is None or identified_on > timezone.localdate():
            raise CaseworkError(_("The identification date cannot be in the future."))
        if identified_on < timezone.localdate(case.received_at):
            raise CaseworkError(_("The identification date cannot be before the person was received."))
        if not authority or not reason:
            raise CaseworkError(_("Name the deciding authority and give the grounds."))
        is_victim = move.status == CaseStatus.IDENTIFIED
        if case.status == CaseStatus.VERIFYING:
            self.move(case, CaseStatus.IDENTIFYING, reason)
        self.move(case, move.status, reason, kind=CaseEvent.Kind.IDENTIFICATION)
        case.identified_on = identified_on if is_victim else None
        case.identification_authority = authority
        case.identification_document = ""
        case.identification_agency = None
        case.identification_grounds = []
        case.identification_officer = None
        case.identification_officer_name = ""
        case.legal_regime = legal_regime_for(identified_on) if is_victim else ""
        if case.person_status != PersonStatus.ACCOMPANYING_CHILD:
            case.person_status = PersonStatus.VICTIM if is_victim else PersonStatus.NOT_VICTIM
        if case.verification_started_at and case.verification_concluded_at is None:
            case.verification_concluded_at = timezone.now()


def _prepare(item: NewCase, writer: _Writer) -> None:
    """The case's own columns as `do_create_case`, the moves and the stated facts leave them."""
    person, case, agency = item.person, item.case, writer.agency
    case.person = person
    case.owning_agency = agency
    case.status = CaseStatus.REPORTED
    case.status_changed_at = writer.now
    case.age_at_reception, case.is_child = age_facts(person, case.received_at)
    if case.accompanies_id:
        case.person_status = PersonStatus.ACCOMPANYING_CHILD
    case.due_at = None if case.historic else writer.due_after(CaseStatus.REPORTED, case.received_at)
    if agency.kind.code == SOCIAL_AGENCY_KIND:
        start_verification_clock(case, agency, case.received_at)


def _apply_moves(item: NewCase, writer: _Writer) -> None:
    for move in item.moves:
        if move.status in IDENTIFICATION_OUTCOMES:
            writer.identify(item.case, move)
        else:
            writer.transition(item.case, move)
    unknown = set(item.stated) - set(STATED_DECISION_FIELDS)
    if unknown:
        raise ValueError(f"not a stated decision field: {sorted(unknown)}")
    for name, value in item.stated.items():
        setattr(item.case, name, value)


def _many_to_many(cases: list[Case], items: list[NewCase]) -> None:
    for name in ("exploitation_forms", "means_of_control", "recruitment_methods"):
        relation = Case._meta.get_field(name)
        through = relation.remote_field.through
        source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
        rows = {(case.pk, value.pk) for case, item in zip(cases, items, strict=True) for value in getattr(item, name)}
        _insert_ids(through, [source, target], sorted(rows))


def do_register_cases(items: list[NewCase], *, actor: User, agency: Agency) -> list[Case]:
    """Register new people and open their cases owned by `agency`, move each along its
    moves and put back its stated facts: one transaction, a refusal of any case undoes all."""
    if not items:
        return []
    with transaction.atomic():
        writer = _Writer(actor, agency)
        groups = do_ensure_agency_groups(agency)
        cases = [item.case for item in items]
        # References in the order of the cases, as one-by-one registration would number them.
        by_counter = defaultdict(list)
        for case in cases:
            by_counter[(case.reception_province, timezone.localdate(case.received_at).year)].append(case)
        references = allocate_references({key: len(counted) for key, counted in by_counter.items()})
        for key, counted in by_counter.items():
            for case, reference in zip(counted, references[key], strict=True):
                case.reference = reference
        # Each case is brought to its final state before it is inserted; the lines and audit
        # rows of its moves are kept to follow its creation's.
        moves = []
        for item in items:
            _prepare(item, writer)
            writer.events, writer.audits = [], []
            _apply_moves(item, writer)
            moves.append((writer.events, writer.audits))
        new_people = [item.person for item in items if item.person.pk is None]
        for person in new_people:
            person.derive_fields()
        _create(new_people)
        for item in items:
            item.case.person = item.person  # its id is known now
        _create(cases)
        _insert_instances(
            [
                CaseLead(case=case, agency=agency, started_at=case.received_at, reason=REGISTERED, started_by=actor)
                for case in cases
            ]
        )
        _many_to_many(cases, items)
        grants = _grants(cases, groups, writer)
        writer.events, writer.audits = [], []
        for case, (move_events, move_audits) in zip(cases, moves, strict=True):
            writer.event(case, CaseEvent.Kind.CREATED, new=CaseStatus.REPORTED)
            writer.audit(
                AuditEvent.Action.CREATE,
                case=case,
                obj=case,
                agency=agency,
                classes=[SensitivityClass.CORE, SensitivityClass.IDENTITY],
            )
            for grant, description in grants[case.pk]:
                writer.event(case, CaseEvent.Kind.GRANT, reason=description)
                writer.audit(
                    AuditEvent.Action.GRANT,
                    case=case,
                    obj=grant,
                    classes=grant.classes,
                    detail={
                        "holder": grant.group.name,
                        "source": grant.source,
                        "source_ref": grant.source_ref,
                        "change": grant.can_change,
                    },
                )
            writer.events += move_events
            writer.audits += move_audits
        # One moment for the whole registration: the timeline orders its lines by id then.
        for line in writer.events:
            line["at"] = line["recorded_at"] = writer.now
        _insert_values(CaseEvent, writer.events)
        _insert_values(AuditEvent, writer.audits)
        # A machine assigns nobody (decision 237): an API client's import leaves the cases unassigned.
        if (
            not is_service_account(actor)
            and Membership.objects.filter(user=actor, agency=agency, role=Role.CASEWORKER, is_active=True).exists()
        ):
            for case in cases:
                _assign(case, actor, actor=actor)
        cases_changed.send(sender=Case, case_ids=[case.pk for case in cases], cause="created")
    return cases


def _grants(cases: list[Case], groups: dict, writer: _Writer) -> dict[int, list[tuple[CaseGrant, str]]]:
    """The owning agency's four grants on every case, with their permission rows."""
    rows, descriptions = [], {}
    for role, agency_group in groups.items():
        classes, can_change = ROLE_ACCESS[role]
        template = CaseGrant(group=agency_group.group, classes=sorted(set(classes)), can_change=can_change)
        descriptions[role] = _grant_description(template)
        for case in cases:
            rows.append(
                (
                    role,
                    CaseGrant(
                        case=case,
                        group=agency_group.group,
                        classes=sorted(set(classes)),
                        can_change=can_change,
                        source=CaseGrant.Source.OWN_AGENCY,
                        source_ref=writer.agency.code,
                        purpose="",
                        granted_by=writer.actor,
                    ),
                )
            )
    _create([grant for _role, grant in rows])
    wanted = {grant_codename for role in groups for grant_codename in codenames(*ROLE_ACCESS[role])}
    permissions = {
        permission.codename: permission
        for permission in Permission.objects.filter(content_type__app_label="casework", codename__in=wanted)
    }
    _insert_ids(
        CaseGroupObjectPermission,
        ["content_object", "group", "permission"],
        [
            (grant.case.pk, grant.group.pk, permissions[codename].pk)
            for _role, grant in rows
            for codename in sorted(codenames(grant.classes, grant.can_change))
        ],
    )
    by_case: dict[int, list[tuple[CaseGrant, str]]] = defaultdict(list)
    for role, grant in rows:
        by_case[grant.case.pk].append((grant, descriptions[role]))
    return by_case


def do_flag_possible_duplicates(flags: list[tuple[Case, list[Case]]], *, actor: User) -> None:
    """`actions.do_flag_possible_duplicates` for each new case and the earlier cases of its
    person: the same lines on the owning agencies' timelines and the same audit rows, written
    at once (a tenth of an import's rows name people registered before)."""
    lines, rows = [], []
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for case, others in flags:
            for other in others:
                line, row = possible_duplicate_notice(case, other, actor)
                lines.append(timeline_values(other, CaseEvent.Kind.POSSIBLE_DUPLICATE, **line))
                rows.append(audit.values(AuditEvent.Action.UPDATE, **row))
        _insert_values(CaseEvent, lines)
        _insert_values(AuditEvent, rows)


@dataclass
class IncidentLink:
    """`do_link_incident` for each of `cases` (a new incident when `incident` is unsaved),
    then `do_add_offender` on `stating` for each of `offenders`."""

    incident: Incident
    cases: list[Case]
    offenders: list[Offender]
    stating: Case


def do_link_incidents(links: list[IncidentLink], *, actor: User, agency: Agency) -> None:
    """Many incidents, their cases and new offenders at once, with the lines and audit rows
    the one-case actions write (decision 255)."""
    if not links:
        return
    with transaction.atomic():
        writer = _Writer(actor, agency)
        _create([link.incident for link in links if link.incident.pk is None])
        linked, offenders = [], []
        for link in links:
            for case in link.cases:
                if case.incident_id == link.incident.pk:
                    continue
                case.incident = link.incident
                linked.append(case)
                writer.event(case, CaseEvent.Kind.INCIDENT, sensitivity=SensitivityClass.INVESTIGATION)
                writer.audit(
                    AuditEvent.Action.UPDATE, case=case, obj=link.incident, classes=[SensitivityClass.INVESTIGATION]
                )
            if link.offenders and link.stating.incident_id is None:
                raise CaseworkError(_("Link the case to an incident before recording offenders."))
            for offender in link.offenders:
                offender.incident_id = link.stating.incident_id
                offenders.append((offender, link.stating))
        Case.objects.bulk_update(linked, ["incident"], batch_size=500)
        _create([offender for offender, _case in offenders])
        for offender, case in offenders:
            writer.event(case, CaseEvent.Kind.OFFENDER, sensitivity=SensitivityClass.INVESTIGATION)
            writer.audit(AuditEvent.Action.CREATE, case=case, obj=offender, classes=[SensitivityClass.INVESTIGATION])
        _insert_values(CaseEvent, writer.events)
        _insert_values(AuditEvent, writer.audits)
        changed = {case.pk for case in linked} | {case.pk for _offender, case in offenders}
        if changed:
            cases_changed.send(sender=Case, case_ids=sorted(changed), cause="incident")


def _insert_ids(model, names: list[str], rows: list[tuple[int, ...]]) -> None:
    """Rows of foreign keys only, without a model instance each: the permission rows are about
    half of what a registration writes (19 per case)."""
    _insert_rows(model, [model._meta.get_field(name).column for name in names], rows)


def _insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain rows into `model`'s table: on PostgreSQL by COPY, which sends the values as they
    are, without an SQL text to build, parse and bind per batch (binding the parameters of a
    multi-row INSERT on the client was a sixth of an import); elsewhere one prepared INSERT
    executed for every row. Neither is seen by `execute_wrapper` nor by the query log."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


# Columns whose Python value the database driver cannot take as it is. psycopg's COPY takes
# dates, times, UUIDs and addresses as Python gives them (PostgreSQL's own prep returns them
# unchanged): only JSON is wrapped there.
_PREPARED = (models.DateTimeField, models.DateField, models.JSONField, models.GenericIPAddressField, models.UUIDField)
_PREPARED_POSTGRESQL = (models.JSONField,)


def _prepared(model, *, with_pk: bool = False) -> tuple[list, list[bool]]:
    """The columns an insert into `model` writes (the id only `with_pk`) and which of their
    values the driver cannot take as Python gives them."""
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    kinds = _PREPARED_POSTGRESQL if connection.vendor == "postgresql" else _PREPARED
    return fields, [isinstance(field, kinds) for field in fields]


def _insert_values(model, rows: list[dict]) -> None:
    """Rows given as the fields a model instance would be made of (`timeline_values`,
    `audit.values`), inserted without making the instances: a related object's id is read at
    insert time (the case of a line written before the case was), an absent field takes its
    default."""
    if not rows:
        return
    fields, prepared = _prepared(model)
    columns = []
    for row in rows:
        values = []
        for column, prepare in zip(fields, prepared, strict=True):
            if column.name in row and column.is_relation:
                related = row[column.name]
                value = related.pk if related is not None else None
            elif column.attname in row:
                value = row[column.attname]
            else:
                value = column.get_default()
            values.append(column.get_db_prep_save(value, connection) if prepare else value)
        columns.append(tuple(values))
    _insert_rows(model, [field.column for field in fields], columns)


def _insert_instances(instances: list, *, with_pk: bool = False) -> None:
    """`bulk_create` for instances nobody reads back from the database (timeline lines, audit
    rows, leads: 17 per case): the same rows, without the per-value work of Django's insert
    compiler. `auto_now` columns are set as `bulk_create` sets them."""
    if not instances:
        return
    model = type(instances[0])
    fields, prepared = _prepared(model, with_pk=with_pk)
    keys = [field for field in fields if isinstance(field, models.ForeignKey)]
    stamped = [getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) for field in fields]
    rows = []
    for instance in instances:
        for key in keys:
            related = key.get_cached_value(instance, None)
            if related is not None:
                setattr(instance, key.attname, related.pk)
        row = []
        for column, stamp, prepare in zip(fields, stamped, prepared, strict=True):
            value = column.pre_save(instance, True) if stamp else getattr(instance, column.attname)
            row.append(column.get_db_prep_save(value, connection) if prepare else value)
        rows.append(tuple(row))
    _insert_rows(model, [field.column for field in fields], rows)


def _create(instances: list) -> None:
    """`bulk_create` for instances whose ids later rows need (people, cases, grants). On
    PostgreSQL the ids are drawn from the table's sequence first and the rows copied with
    them; elsewhere `bulk_create`, which reads the ids back."""
    if not instances:
        return
    model = type(instances[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(instances)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
        instance._state.adding, instance._state.db = False, connection.alias
    _insert_instances(instances, with_pk=True)
