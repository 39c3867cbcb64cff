"""Writing checked HTCDS rows through the casework actions, all or nothing."""

import datetime
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from casework import actions, audit, bulk, corrections
from casework.duplicates import earlier_cases_of_same_people
from casework.models import (
    IDENTIFICATION_OUTCOMES,
    TRANSITIONS,
    Agency,
    AuditEvent,
    Case,
    CaseStatus,
    Incident,
    Offender,
    Person,
    PersonStatus,
    PicklistValue,
)
from dashboards import rollups
from exchange.htcds.columns import (
    ADULT_AGE,
    COLUMNS,
    EXPLOITATION_LISTS,
    LOOKUP_BATCH,
    NO_DECISION_ORG,
    ROLE_FROM_HTCDS,
    ROLE_TO_HTCDS,
)
from exchange.htcds.files import (
    FOLLOWUP_COLUMNS,
    ImportRefused,
    ImportReport,
    Problem,
    data_row_count,
    read_bytes,
    read_table,
)
from exchange.htcds.reading import DECIDED_STATUSES, Defaults, ImportRow, Lookups, check_rows
from exchange.models import HtcdsStatement
from shelters.actions import do_record_past_stay
from shelters.history import do_record_past_followups
from shelters.models import Facility, FollowUpOutcome


def _outcome(row: ImportRow) -> bool | None:
    """The identification decision a row's target status passes through (None: none)."""
    if row.case_status in DECIDED_STATUSES:
        return True
    if row.case_status == CaseStatus.NOT_IDENTIFIED:
        return False
    if row.case_status == CaseStatus.CLOSED:
        if row.person_status == PersonStatus.VICTIM:
            return True
        if row.person_status == PersonStatus.NOT_VICTIM:
            return False
        if row.person_status == PersonStatus.ACCOMPANYING_CHILD and row.identified_on:
            return True
    return None


def _shortest_moves(current: str, target: str, outcome: bool | None) -> list[str] | None:
    """The statuses to pass through from `current` to `target`, identification only in the
    direction of `outcome`; None when the machine has no such way (e.g. out of closed)."""
    allowed_outcome = {True: CaseStatus.IDENTIFIED, False: CaseStatus.NOT_IDENTIFIED}.get(outcome)
    previous = {current: None}
    queue = deque([current])
    while queue:
        status = queue.popleft()
        if status == target:
            path = []
            while status != current:
                path.append(status)
                status = previous[status]
            return path[::-1]
        for following in sorted(TRANSITIONS[status]):
            if following in IDENTIFICATION_OUTCOMES and following != allowed_outcome:
                continue
            if following not in previous:
                previous[following] = status
                queue.append(following)
    return None


def plan_moves(current: str, row: ImportRow) -> list[str] | None:
    """The moves from `current` to the row's status, through the identification decision when
    the row has one and the case has not had it yet."""
    outcome = _outcome(row)
    undecided = current in (CaseStatus.REPORTED, CaseStatus.VERIFYING, CaseStatus.IDENTIFYING)
    if outcome is None or not undecided:
        return _shortest_moves(current, row.case_status, outcome)
    decision = CaseStatus.IDENTIFIED if outcome else CaseStatus.NOT_IDENTIFIED
    first = _shortest_moves(current, decision, outcome)
    rest = _shortest_moves(decision, row.case_status, outcome)
    return None if first is None or rest is None else first + rest


IMPORTED_FROM = gettext_noop("Imported from the HTCDS file %(file)s")


def _system_text(message: str, **values) -> str:
    """Timeline text is written once, in the system language, like the other case events."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values


# Rows written per transaction (decision 257): short enough that SQLite readers wait well under
# a second, long enough that the bulk statements are few.
CHUNK_ROWS = 200
INCIDENT_CHUNK = 50


class RowRefused(Exception):
    """A row the actions refused while writing; the rows before it are imported."""

    def __init__(self, row: ImportRow, error: Exception):
        super().__init__(str(error))
        self.row, self.error = row, error


# (rows done, rows in the file)
OnProgress = Callable[[int, int], None]
PROGRESS_STEPS = 50


class Progress:
    """Tells the caller how far the import is, at most PROGRESS_STEPS times while writing:
    each call may cost the caller a query, and a row of the file costs a few dozen."""

    def __init__(self, on_progress: OnProgress | None):
        self.on_progress = on_progress
        self.total = 0
        self.reported = 0

    def start(self, total: int) -> None:
        self.total = total
        self.reported = 0
        self._tell(0)

    def rows_done(self, done: int) -> None:
        if done == self.total or done - self.reported >= max(1, self.total // PROGRESS_STEPS):
            self._tell(done)

    def _tell(self, done: int) -> None:
        self.reported = done
        if self.on_progress is not None:
            self.on_progress(done, self.total)


@dataclass
class Importer:
    """Writes checked rows, CHUNK_ROWS per transaction (decision 257)."""

    agency: Agency
    actor: object
    file_name: str
    report: ImportReport
    progress: Progress
    # True: every new case is historic; False: none; None: those received before the cut-off.
    historic: bool | None = None
    # The importing agency's facilities by code, for the rows with a past stay.
    facilities: dict[str, Facility] | None = None

    def is_historic(self, row: ImportRow) -> bool:
        """Whether the row's new case is a historic record (decision 120)."""
        if self.historic is not None:
            return self.historic
        days = settings.CAUNOI_HISTORIC_BEFORE_DAYS
        return bool(days) and row.received_at < timezone.now() - datetime.timedelta(days=days)

    def reason(self) -> str:
        return _system_text(IMPORTED_FROM, file=self.file_name or "—")

    def run(self, rows: list[ImportRow], existing: dict[str, Case]) -> None:
        """Write the rows in chunks of CHUNK_ROWS, each chunk in a transaction of its own
        (decision 257), then link the incidents; a refused row stops the import there."""
        cases: dict[str, Case] = {}
        done = 0
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start : start + CHUNK_ROWS]
            try:
                with transaction.atomic():
                    self.write_chunk(chunk, existing, cases)
            except (actions.CaseworkError, IntegrityError):
                # Which row: again one row at a time, each in its own transaction, from the
                # cases as stored: the undone attempt left its changes on the instances.
                existing |= _reloaded(existing, chunk)
                for row in chunk:
                    try:
                        with transaction.atomic():
                            self.write_chunk([row], existing, cases)
                    except (actions.CaseworkError, IntegrityError) as error:
                        raise RowRefused(row, error) from error
                    done += 1
                    self.progress.rows_done(done)
            else:
                done += len(chunk)
                self.progress.rows_done(done)
        self.link_incidents(rows, cases)

    def write_chunk(self, chunk: list[ImportRow], existing: dict[str, Case], cases: dict[str, Case]) -> None:
        counts = (self.report.created, self.report.updated, self.report.unchanged)
        counts += (self.report.possible_duplicates, self.report.historic, self.report.followups)
        conflicts = len(self.report.conflicts)
        try:
            new_rows = [row for row in chunk if row.external_id not in existing]
            created = dict(zip((row.external_id for row in new_rows), self.create_many(new_rows), strict=True))
            for row in chunk:
                case = existing.get(row.external_id)
                cases[row.external_id] = self.update(case, row) if case else created[row.external_id]
                if row.facility_code:
                    stay = do_record_past_stay(
                        cases[row.external_id],
                        facility=self.facilities[row.facility_code],
                        admitted_on=row.admitted_on,
                        discharged_on=row.discharged_on,
                        actor=self.actor,
                    )
                    entered = do_record_past_followups(stay, row.followups, actor=self.actor)
                    self.report.followups += len(entered.written)
                    self.report.conflicts += [_followup_conflict(row, *conflict) for conflict in entered.conflicts]
        except BaseException:
            # The chunk's transaction is undone, and so are its counts.
            report = self.report
            del report.conflicts[conflicts:]
            (
                report.created,
                report.updated,
                report.unchanged,
                report.possible_duplicates,
                report.historic,
                report.followups,
            ) = counts
            raise

    def create_many(self, rows: list[ImportRow]) -> list[Case]:
        """New cases through `casework.bulk.do_register_cases`: `do_create_case`, the status
        actions and the stated decision, for many rows at once (decision 255)."""
        items = [
            bulk.NewCase(
                person=Person(**_person_fields(row)),
                case=Case(**_case_fields(row), external_id=row.external_id, historic=self.is_historic(row)),
                exploitation_forms=_exploitation(row),
                means_of_control=row.picklists["vic_MethodsOfControl"],
                recruitment_methods=row.picklists["vic_MethodOfRecruitment"],
                moves=self.planned_moves(row),
                stated=self.stated(row),
            )
            for row in rows
        ]
        cases = bulk.do_register_cases(items, actor=self.actor, agency=self.agency)
        # As the wizard does: the agencies that already have this person hear of it on their
        # case's timeline (the importer is not shown cases it may not see).
        earlier = earlier_cases_of_same_people([case.person for case in cases])
        flags = [(case, others) for case, others in zip(cases, earlier, strict=True) if others]
        bulk.do_flag_possible_duplicates(flags, actor=self.actor)
        self.report.possible_duplicates += len(flags)
        HtcdsStatement.objects.bulk_create(
            HtcdsStatement(case=case, consent=row.consent, other_citizenships=";".join(row.other_citizenships))
            for case, row in zip(cases, rows, strict=True)
            if row.consent is not None or row.other_citizenships
        )
        self.report.created += len(cases)
        self.report.historic += sum(case.historic for case in cases)
        return cases

    def planned_moves(self, row: ImportRow) -> list[bulk.Move]:
        """What `move` does for a new case, as the bulk action takes it."""
        moves = []
        for status in plan_moves(CaseStatus.REPORTED, row) or []:
            if status in IDENTIFICATION_OUTCOMES:
                identified_on = row.identified_on or timezone.localdate(row.received_at)
                authority = row.decision_org or NO_DECISION_ORG
                moves.append(bulk.Move(status, self.reason(), identified_on=identified_on, authority=authority))
            else:
                reason = row.closure_reason if status == CaseStatus.CLOSED and row.closure_reason else self.reason()
                moves.append(bulk.Move(status, reason))
        return moves

    def stated(self, row: ImportRow) -> dict:
        """What `settle` puts back (the new cases' are put back by the bulk action)."""
        facts = _decision_fields(row)
        if row.is_child is not None and row.age_at_reception() is None:
            facts["is_child"] = row.is_child
        return facts

    def update(self, case: Case, row: ImportRow) -> Case:
        moves = plan_moves(case.status, row)
        statement_changed = keep_statement(case, row)
        changed = corrections.do_update_case_facts(
            case,
            **_stated_facts(case, row),
            actor=self.actor,
            reason=self.reason(),
            agency=self.agency,
            detail={"htcds_import": self.file_name, "source_reference": row.source_reference},
            also_changed=statement_changed,
            also_identity="htcds.other_citizenships" in statement_changed,
        )
        if moves:
            case = self.move(case, row, moves)
            self.settle(case, row)
        if changed or moves:
            self.report.updated += 1
        else:
            self.report.unchanged += 1
        return case

    def move(self, case: Case, row: ImportRow, moves: list[str]) -> Case:
        for status in moves:
            if status in IDENTIFICATION_OUTCOMES:
                case = actions.do_record_identification(
                    case,
                    is_victim=status == CaseStatus.IDENTIFIED,
                    identified_on=row.identified_on or timezone.localdate(case.received_at),
                    authority=row.decision_org or NO_DECISION_ORG,
                    document="",
                    reason=self.reason(),
                    actor=self.actor,
                )
            else:
                reason = row.closure_reason if status == CaseStatus.CLOSED and row.closure_reason else self.reason()
                case = actions.do_transition_case(case, status, reason=reason, actor=self.actor)
        return case

    def settle(self, case: Case, row: ImportRow) -> None:
        """Put back the row's own facts where the status machine derived its own (the
        identification date, the legal regime, a child whose age is unknown)."""
        corrections.do_keep_stated_decision(case, self.stated(row))

    def link_incidents(self, rows: list[ImportRow], cases: dict[str, Case]) -> None:
        groups = defaultdict(list)
        for row in rows:
            if row.incident_key:
                groups[row.incident_key].append(row)
        items = list(groups.items())
        # Like the rows, in short transactions of their own (decision 257).
        for start in range(0, len(items), INCIDENT_CHUNK):
            with transaction.atomic():
                links = []
                for key, group in items[start : start + INCIDENT_CHUNK]:
                    members = [cases[row.external_id] for row in group]
                    incident = self.find_incident(key, members, group[0])
                    offenders = [Offender(role_in_process=role) for role in self.missing_roles(incident, group[0])]
                    links.append(bulk.IncidentLink(incident, members, offenders, stating=members[0]))
                bulk.do_link_incidents(links, actor=self.actor, agency=self.agency)

    def find_incident(self, key: str, members: list[Case], row: ImportRow) -> Incident:
        """The incident the cases already share, the agency's own with this public id, or a
        new one (unsaved: `bulk.do_link_incidents` creates it)."""
        incident = next((case.incident for case in members if case.incident_id), None)
        if incident is None and _as_uuid(key) is not None:
            incident = Incident.objects.filter(agency=self.agency, public_id=_as_uuid(key)).first()
        if incident is None:
            return Incident(agency=self.agency, criminal_case_number=row.criminal_case_number)
        if row.criminal_case_number and incident.criminal_case_number != row.criminal_case_number:
            corrections.do_state_criminal_case_number(
                incident, row.criminal_case_number, case=members[0], actor=self.actor, reason=self.reason()
            )
        return incident

    def missing_roles(self, incident: Incident, row: ImportRow) -> list[str]:
        """The offenders the incident does not have yet (by role); none is removed."""
        # Compared as HTCDS carries them: an "unknown" offender came back as "other".
        recorded = incident.offenders.values_list("role_in_process", flat=True) if incident.pk else []
        missing = Counter(row.offender_roles) - Counter(ROLE_FROM_HTCDS[ROLE_TO_HTCDS[role]] for role in recorded)
        return sorted(missing.elements())


def _followup_conflict(row: ImportRow, visited_on: datetime.date, kept: str, given: str) -> Problem:
    """A past visit the file gives another outcome than the one entered first (decision 290)."""
    message = _(
        "The follow-up visit of %(date)s was entered before with the outcome “%(kept)s”, not “%(given)s” as in"
        " this file. The outcome entered first was kept."
    ) % {
        "date": date_format(visited_on, "d/m/Y"),
        "kept": FollowUpOutcome(kept).label,
        "given": FollowUpOutcome(given).label,
    }
    return Problem(row.number, FOLLOWUP_COLUMNS[1], message)


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _exploitation(row: ImportRow) -> list[PicklistValue]:
    """The values of the three exploitation columns, which share `Case.exploitation_forms`."""
    return [value for values in row.picklists.values() for value in values if value.list_name in EXPLOITATION_LISTS]


def _person_fields(row: ImportRow) -> dict:
    return {
        "full_name": row.full_name,
        "sex": row.sex,
        "birth_date": row.birth_date,
        "birth_year": row.birth_date.year if row.birth_date else row.birth_year,
        "nationality": row.nationality,
        "ethnicity": row.ethnicity,
        "home_province": row.home_province,
        "home_former_province": row.home_former_province,
        "home_address": row.home_address,
        "phone": row.phone,
    }


def _case_fields(row: ImportRow) -> dict:
    return {
        "came_to_notice": row.came_to_notice,
        "return_mode": row.return_mode,
        "received_at": row.received_at,
        "reception_province": row.reception_province,
        "destination_country": row.destination_country,
        "person_status": row.person_status,
    }


def _decision_fields(row: ImportRow) -> dict:
    legal_regime = row.legal_regime
    if legal_regime is None:
        decided = row.identified_on and row.person_status != PersonStatus.NOT_VICTIM
        legal_regime = actions.legal_regime_for(row.identified_on) if decided else ""
    return {"person_status": row.person_status, "identified_on": row.identified_on, "legal_regime": legal_regime}


def _derived_fields(row: ImportRow) -> dict:
    """What do_create_case derives from the person's age, for an existing case."""
    age = row.age_at_reception()
    is_child = age is not None and age < ADULT_AGE
    if age is None and row.is_child is not None:
        is_child = row.is_child
    return {"age_at_reception": age if age is not None and age >= 0 else None, "is_child": is_child}


def _stated_facts(case: Case, row: ImportRow) -> dict:
    """What the row states about an existing case and its person, as
    `corrections.do_update_case_facts` takes it."""
    fields = {**_case_fields(row), **_derived_fields(row), **_decision_fields(row)}
    if not row.received_at_stated:
        fields.pop("received_at")  # the file does not say: the case's own date stays
    if case.status == CaseStatus.CLOSED and row.case_status == CaseStatus.CLOSED and row.closure_reason:
        fields["closure_reason"] = row.closure_reason
    many = {
        "exploitation_forms": _exploitation(row),
        "means_of_control": row.picklists["vic_MethodsOfControl"],
        "recruitment_methods": row.picklists["vic_MethodOfRecruitment"],
    }
    return {"person": _person_fields(row), "fields": fields, "many": many}


def keep_statement(case: Case, row: ImportRow, *, new: bool = False) -> list[str]:
    """Keep what the row states that the case has no field for (decision 82); the names of
    what changed. A row that states nothing leaves no statement behind (and a new case that
    states nothing costs no query)."""
    if new and row.consent is None and not row.other_citizenships:
        return []
    # Where the case has consent records of its own they decide the export: nothing to keep.
    consent = None if not new and case.consents.exists() else row.consent
    wanted = {"consent": consent, "other_citizenships": ";".join(row.other_citizenships)}
    current = HtcdsStatement.objects.filter(case=case).first()
    if current is None and wanted == {"consent": None, "other_citizenships": ""}:
        return []
    if current is None:
        HtcdsStatement.objects.create(case=case, **wanted)
        return [f"htcds.{name}" for name, value in wanted.items() if value not in (None, "")]
    changed = [name for name, value in wanted.items() if getattr(current, name) != value]
    if changed:
        for name in changed:
            setattr(current, name, wanted[name])
        current.save()
    return [f"htcds.{name}" for name in changed]


def _with_facts(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with what an update compares: the person, the incident and the picklists."""
    cases = cases.select_related("person", "incident")
    return cases.prefetch_related("exploitation_forms", "means_of_control", "recruitment_methods")


def _reloaded(existing: dict[str, Case], rows: list[ImportRow]) -> dict[str, Case]:
    """The existing cases of `rows` read again from the database."""
    keys = [row.external_id for row in rows if row.external_id in existing]
    fresh = _with_facts(Case.objects.filter(pk__in=[existing[key].pk for key in keys])).in_bulk()
    return {key: fresh[existing[key].pk] for key in keys}


def _existing_cases(rows: list[ImportRow], agency: Agency) -> dict[str, Case]:
    """The agency's cases the rows update: by external id, or (its own export coming back)
    by public id."""
    keys = [row.external_id for row in rows]
    cases = _with_facts(Case.objects.filter(owning_agency=agency))
    found = {}
    # In batches: SQLite limits the parameters of one statement.
    for start in range(0, len(keys), LOOKUP_BATCH):
        found |= {case.external_id: case for case in cases.filter(external_id__in=keys[start : start + LOOKUP_BATCH])}
    uuids = [key for key in (_as_uuid(key) for key in keys if key not in found) if key is not None]
    for start in range(0, len(uuids), LOOKUP_BATCH):
        for case in cases.filter(public_id__in=uuids[start : start + LOOKUP_BATCH]):
            found.setdefault(str(case.public_id), case)
    return found


def _check_moves(rows: list[ImportRow], existing: dict[str, Case], problems: list[Problem]) -> None:
    """A case already in the database must be able to reach the row's status."""
    for row in rows:
        case = existing.get(row.external_id)
        if case is not None and plan_moves(case.status, row) is None:
            problems.append(
                Problem(
                    row.number,
                    "cnx_CaseStatus",
                    _("The case %(reference)s cannot move from “%(old)s” to “%(new)s” by import.")
                    % {"reference": case.reference, "old": case.status, "new": row.case_status},
                )
            )


def _facilities(rows: list[ImportRow], agency: Agency, problems: list[Problem]) -> dict[str, Facility]:
    """The agency's own facilities the rows' past stays name; a problem for any other code."""
    codes = {row.facility_code for row in rows if row.facility_code}
    if not codes:
        return {}
    found = {facility.code: facility for facility in Facility.objects.filter(agency=agency, code__in=codes)}
    with_beds = set(
        Facility.objects.filter(pk__in=[f.pk for f in found.values()], beds__isnull=False).values_list(
            "code", flat=True
        )
    )
    for row in rows:
        if row.facility_code and row.facility_code not in found:
            problems.append(
                Problem(
                    row.number,
                    "cnx_Facility",
                    _("“%(value)s” is not the code of a facility of the importing agency.")
                    % {"value": row.facility_code},
                )
            )
        elif row.facility_code and row.facility_code not in with_beds:
            problems.append(
                Problem(
                    row.number,
                    "cnx_Facility",
                    _("%(facility)s has no bed to record the stay on.") % {"facility": found[row.facility_code].label},
                )
            )
    return found


IMPORT_USERNAME = "htcds-import"


def import_user():
    """The account imports run as when no user is named: inactive, no password, never signs in."""
    user, created = get_user_model().objects.get_or_create(
        username=IMPORT_USERNAME, defaults={"full_name": "Nhập dữ liệu HTCDS", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def import_htcds(
    source, *, agency: Agency, actor, on_progress: OnProgress | None = None, historic: bool | None = None
) -> ImportReport:
    """Import an HTCDS file (a path or a binary file object) into cases owned by `agency`.

    1. Read the file (.xlsx or UTF-8 CSV, by content) and check the header.
    2. Check every row and the rows against each other and the agency's existing cases.
    3. Only when nothing is wrong, write the rows, CHUNK_ROWS per transaction; a row the
       actions refuse stops the import there (the rows before it stay, the report names it).

    `on_progress(done, total)` is called with 0 rows done once the file is read and again once
    it is checked, then between the transactions that write the rows.

    `historic` registers new cases as historic records (decision 120): True all, False none,
    None (the default) those received more than CAUNOI_HISTORIC_BEFORE_DAYS before now.
    """
    content, file_name = read_bytes(source)
    report = ImportReport(file_name=file_name)
    progress = Progress(on_progress)
    try:
        table = read_table(content)
    except ImportRefused as refusal:
        report.problems.append(Problem(None, "", str(refusal)))
        return report
    progress.start(data_row_count(table))
    rows, report.problems = check_rows(table, Lookups.load(), Defaults.of(agency))
    existing = _existing_cases(rows, agency) if not report.problems else {}
    _check_moves(rows, existing, report.problems)
    facilities = _facilities(rows, agency, report.problems)
    if report.problems:
        report.problems.sort(key=_problem_order)
        return report
    progress.start(len(rows))
    _write(
        rows,
        existing,
        agency=agency,
        actor=actor,
        report=report,
        progress=progress,
        historic=historic,
        facilities=facilities,
    )
    return report


def _problem_order(problem: Problem) -> tuple[int, int]:
    return problem.row or 0, COLUMNS.index(problem.column) if problem.column in COLUMNS else -1


def _write(
    rows: list[ImportRow],
    existing: dict[str, Case],
    *,
    agency: Agency,
    actor,
    report: ImportReport,
    progress: Progress,
    historic: bool | None = None,
    facilities: dict[str, Facility] | None = None,
) -> None:
    token = None
    if audit.current_request.get() is None:
        token = audit.current_request.set(audit.RequestMeta(ip=None, agency_id=agency.pk))
    importer = Importer(
        agency=agency,
        actor=actor,
        file_name=report.file_name,
        report=report,
        progress=progress,
        historic=historic,
        facilities=facilities or {},
    )
    try:
        # The dashboards' rollups are folded in once, at the end (decision 226).
        with rollups.deferred():
            importer.run(rows, existing)
    except RowRefused as refused:
        # A rule the checks above did not foresee, or the same file imported at the same
        # moment: that row and the rows after it are not written; the chunks before it stay,
        # and so do the rows before it in its chunk (written again one at a time).
        report.problems.append(Problem(refused.row.number, "", _stopped(report, refused.error)))
    except (actions.CaseworkError, IntegrityError) as error:
        report.problems.append(Problem(None, "", _stopped(report, error)))
    finally:
        try:
            written = report.created + report.updated + report.unchanged
            if written or report.ok:
                audit.record(
                    AuditEvent.Action.CREATE,
                    actor=actor,
                    agency=agency,
                    detail={
                        "htcds_import": report.file_name,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "possible_duplicates": report.possible_duplicates,
                        "historic": report.historic,
                        "followups": report.followups,
                        "followup_conflicts": len(report.conflicts),
                        **({} if report.ok else {"stopped": True}),
                    },
                )
        finally:
            if token is not None:
                audit.current_request.reset(token)


def _stopped(report: ImportReport, error: Exception) -> str:
    written = report.created + report.updated + report.unchanged
    if not written:
        return _("Nothing was imported: %(error)s") % {"error": error}
    return _(
        "The import stopped after %(count)s rows: %(error)s Put this right and import the file again: the rows"
        " already imported are found, not registered twice."
    ) % {"count": written, "error": error}
