"""Cases in HTCDS 2.0 columns (IOM's Human Trafficking Case Data Standard), out and back in.

Export: one row per case. The columns are those of IOM's Excel template
(`standards/htcds/htcds-spreadsheet-2.0.xlsx`) in the template's order — its unnamed
column between `cas_ReferredPrimaryCaseWorker` and `cas_OutgoingReferralDate` (labelled
"Reason for Outgoing Referral") is written as `cas_ReasonForOutgoingReferral`, the field
standard's name — followed by the Cầu Nối extension. HTCDS alone cannot carry what the
official statistics count (how the person came to notice and returned, ethnicity, the
incident), so without these columns a round trip would lose them:

- `cnx_ExternalId`: on export the case's public id; on import stored in `Case.external_id`,
  the key that makes a re-import update instead of registering the person again.
- `cnx_Reference`: the case reference in the source system (kept in the import's audit row).
- `cnx_ReceivedAt`: reception date and time, ISO 8601 with the UTC offset.
- `cnx_ReceptionProvince`: province code (the 34-province list).
- `cnx_CameToNotice`, `cnx_ReturnMode`, `cnx_PersonStatus`, `cnx_CaseStatus`, `cnx_LegalRegime`:
  the exact Cầu Nối values, where HTCDS has coarser ones (`vic_TraffickingStatus`,
  `cas_Status`) or none.
- `cnx_IsChild` (TRUE/FALSE, under 18 at reception), `cnx_Ethnicity` (the two-digit code of
  the 54 groups), `cnx_BirthYear`, `cnx_DestinationCountry` (ISO 3166 alpha-2),
  `cnx_IdentifiedOn` (date of the identification decision).
- `cnx_IncidentId`, `cnx_CriminalCaseNumber`, `per_RoleInProcess`: the incident the case
  belongs to (rows with the same id are one incident), its criminal case number, and one
  HTCDS role per offender of that incident, `;`-separated.

Sensitivity (DESIGN.md §5): every column belongs to a class — the person's details
(`identity`), the incident and offenders (`investigation`), everything else (`core`). The
caller says per case which classes the requester holds; the columns of the others are left
blank and a case without `core` is not written at all. The export runs in one pass over the
queryset in chunks with prefetching, so the number of queries does not grow with the rows
(QUALITY P1, P9), and the writers stream.

Import (`import_htcds`): an .xlsx or a UTF-8 .csv (told apart by content). Required columns:
`cnx_ExternalId` (the key above; a row without it is refused rather than registered a second
time on every import), `prs_FirstName`, `prs_SecondName`, `prs_Gender`,
`vic_TraffickingStatus`, `cnx_ReceivedAt` and `cnx_ReceptionProvince` (a case cannot be
registered without a reception date and province). Every other known column is optional;
unknown columns are refused, unnamed ones (the template has one) are ignored. Every row is
checked first and every problem reported with its row and column; if there is any, nothing
is written. Otherwise all rows are written in one transaction through the casework actions:
new cases through `do_create_case` and the status machine, existing ones (same owning agency
and external id, or the agency's own case whose public id is the external id — its own
export coming back) updated with one "details updated" event and audit row when something
changed, nothing when nothing did.

What the import does not take over: `con_Consent` (a consent is a record of who agreed to
what, not a checkbox; it is recorded in the case), the referral columns (referrals are
workflows between agencies here, not facts to copy; their dates are still checked),
`prs_Salutation`, `prs_Title`, `prs_Email`, `prs_MailingCity`, `prs_MailingPostalCode`,
`vic_LocationOfRecruitment`, `vic_LocationOfExploitation`, `cas_CaseOwner` and the case
worker columns (accounts of another system). A blank `cnx_IncidentId` leaves an existing
incident link as it is, and offenders are added, never removed.
"""

import csv
import datetime
import io
import uuid
import zipfile
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from casework import actions, audit
from casework.access import holds_class
from casework.models import (
    IDENTIFICATION_OUTCOMES,
    TRANSITIONS,
    Agency,
    AuditEvent,
    CameToNotice,
    Case,
    CaseEvent,
    CaseStatus,
    Consent,
    Country,
    EthnicGroup,
    Incident,
    LegalRegime,
    Offender,
    Person,
    PersonStatus,
    PicklistValue,
    Province,
    ReturnMode,
    SensitivityClass,
    Sex,
)
from referrals.models import Referral, ReferralStatus

CORE = SensitivityClass.CORE.value
IDENTITY = SensitivityClass.IDENTITY.value
INVESTIGATION = SensitivityClass.INVESTIGATION.value
EXPORT_CLASSES = frozenset({CORE, IDENTITY, INVESTIGATION})

# IOM's template, row 1, in its order.
TEMPLATE_COLUMNS = [
    "cas_CaseOwner",
    "prs_Salutation",
    "prs_FirstName",
    "prs_SecondName",
    "con_Consent",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_Title",
    "prs_Email",
    "prs_HomePhone",
    "prs_MobilePhone",
    "prs_MailingCity",
    "prs_MailingCountry",
    "prs_MailingState",
    "prs_MailingStreet",
    "prs_MailingPostalCode",
    "vic_TraffickingStatus",
    "vic_TraffickinStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment",
    "vic_LocationOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "vic_LocationOfExploitation",
    "cas_Status",
    "cas_ReferringOrganisation",
    "cas_IncomingReferralDate",
    "cas_ReferringPrimaryCaseWorker",
    "cas_ReasonForIncomingReferral",
    "cas_IncomingReferralDetails",
    "cas_ReferredOrganisation",
    "cas_ReferredPrimaryCaseWorker",
    "cas_ReasonForOutgoingReferral",  # unnamed in the template
    "cas_OutgoingReferralDate",
    "cas_OutgoingReferralDetails",
    "cas_ReasonForCaseClosure",
]
EXTENSION_COLUMNS = [
    "cnx_ExternalId",
    "cnx_Reference",
    "cnx_ReceivedAt",
    "cnx_ReceptionProvince",
    "cnx_CameToNotice",
    "cnx_ReturnMode",
    "cnx_PersonStatus",
    "cnx_CaseStatus",
    "cnx_IsChild",
    "cnx_Ethnicity",
    "cnx_BirthYear",
    "cnx_DestinationCountry",
    "cnx_IdentifiedOn",
    "cnx_LegalRegime",
    "cnx_IncidentId",
    "cnx_CriminalCaseNumber",
    "per_RoleInProcess",
]
COLUMNS = TEMPLATE_COLUMNS + EXTENSION_COLUMNS

_IDENTITY_EXTENSIONS = {"cnx_Ethnicity", "cnx_BirthYear"}
_INVESTIGATION_COLUMNS = {"cnx_IncidentId", "cnx_CriminalCaseNumber", "per_RoleInProcess"}


def column_class(name: str) -> str:
    """The sensitivity class of a column: person fields identity, the incident investigation."""
    if name.startswith("prs_") or name in _IDENTITY_EXTENSIONS:
        return IDENTITY
    if name in _INVESTIGATION_COLUMNS:
        return INVESTIGATION
    return CORE


COLUMN_CLASSES = {name: column_class(name) for name in COLUMNS}

GENDER_TO_HTCDS = {
    Sex.FEMALE: "Feminine",
    Sex.MALE: "Masculine",
    Sex.OTHER: "NonConforming",
    Sex.UNKNOWN: "NonSpecifiedUnknown",
}
GENDER_FROM_HTCDS = {
    "Feminine": Sex.FEMALE,
    "Masculine": Sex.MALE,
    "TransgenderFeminine": Sex.OTHER,
    "TransgenderMasculine": Sex.OTHER,
    "NonConforming": Sex.OTHER,
    "NonSpecifiedUnknown": Sex.UNKNOWN,
}
TRAFFICKING_STATUS = {
    PersonStatus.VICTIM: "ActualVictimOfTrafficking",
    PersonStatus.IN_IDENTIFICATION: "PossibleVictimOfTrafficking",
    PersonStatus.NOT_VICTIM: "NotAVictimOfTrafficking",
    PersonStatus.ACCOMPANYING_CHILD: "NotAVictimOfTrafficking",
}
# The person status a bare HTCDS status stands for, when cnx_PersonStatus does not say.
PERSON_STATUS_FROM_HTCDS = {
    "ActualVictimOfTrafficking": PersonStatus.VICTIM,
    "PossibleVictimOfTrafficking": PersonStatus.IN_IDENTIFICATION,
    "NotAVictimOfTrafficking": PersonStatus.NOT_VICTIM,
}
DECISION_ORG_BY_KIND = {
    "police": "Police",
    "border_guard": "Police",
    "coast_guard": "Police",
    "social_protection": "NonPoliceGovernmentalOrganization",
    "commune": "NonPoliceGovernmentalOrganization",
    "ngo": "NGO",
}
DECISION_ORGS = ["Police", "NGO", "CourtOrProsecution", "NonPoliceGovernmentalOrganization", "Other"]
CASE_STATUSES = ["Active", "FollowUp", "Closed", "ClosedReferred"]
REFERRAL_REASONS = ["AdditionalServicesRequired", "MigrationOrChangeOfLocation", "Other"]
# Offender.RoleInProcess → the closest HTCDS per_RoleInProcess value. HTCDS has no
# "unknown": it becomes Other (the offender is still counted).
ROLE_TO_HTCDS = {
    Offender.RoleInProcess.RECRUITER: "RecruiterOrIntermediary",
    Offender.RoleInProcess.TRANSPORTER: "Transporter",
    Offender.RoleInProcess.EXPLOITER: "Exploiter",
    Offender.RoleInProcess.FACILITATOR: "BrokerTravelAgent",
    Offender.RoleInProcess.OTHER: "Other",
    Offender.RoleInProcess.UNKNOWN: "Other",
}
# Every HTCDS role → ours, by the stage of the trafficking process it belongs to
# (recruit; transport, transfer; harbour and broker; receive, buy and exploit).
ROLE_FROM_HTCDS = {
    "RecruiterOrIntermediary": Offender.RoleInProcess.RECRUITER,
    "Kidnapper": Offender.RoleInProcess.RECRUITER,
    "SoldIndividual": Offender.RoleInProcess.RECRUITER,
    "Transporter": Offender.RoleInProcess.TRANSPORTER,
    "TransferredIndividual": Offender.RoleInProcess.TRANSPORTER,
    "Smuggler": Offender.RoleInProcess.TRANSPORTER,
    "BrokerTravelAgent": Offender.RoleInProcess.FACILITATOR,
    "HarbouredIndividual": Offender.RoleInProcess.FACILITATOR,
    "Exploiter": Offender.RoleInProcess.EXPLOITER,
    "BoughtIndividual": Offender.RoleInProcess.EXPLOITER,
    "ReceivedIndividual": Offender.RoleInProcess.EXPLOITER,
    "ControlledIndividual": Offender.RoleInProcess.EXPLOITER,
    "Abuser": Offender.RoleInProcess.EXPLOITER,
    "TravellingPartner": Offender.RoleInProcess.OTHER,
    "Other": Offender.RoleInProcess.OTHER,
}
# HTCDS picklist column → PicklistValue list; the last three all live in exploitation_forms.
PICKLIST_COLUMNS = {
    "vic_MethodOfRecruitment": PicklistValue.List.RECRUITMENT_METHOD,
    "vic_MethodsOfControl": PicklistValue.List.MEANS_OF_CONTROL,
    "vic_TypeOfExploitation": PicklistValue.List.EXPLOITATION_TYPE,
    "vic_ForcedLabourIndustry": PicklistValue.List.LABOUR_EXPLOITATION_TYPE,
    "vic_TypeOfSexExploitation": PicklistValue.List.SEX_EXPLOITATION_TYPE,
}
EXPLOITATION_LISTS = {
    PicklistValue.List.EXPLOITATION_TYPE,
    PicklistValue.List.LABOUR_EXPLOITATION_TYPE,
    PicklistValue.List.SEX_EXPLOITATION_TYPE,
}
OLDEST_AGE = 120
ADULT_AGE = actions.ADULT_AGE
CHUNK_SIZE = 2000
LOOKUP_BATCH = 500

# Export ---------------------------------------------------------------------------------

ClassesFor = Callable[[Case], Iterable[str]] | Iterable[str]


def annotate_classes(cases: QuerySet[Case], user) -> QuerySet[Case]:
    """The cases the user may see, each annotated with the export classes the user holds on
    it, in the list's own SQL (one EXISTS per class); read them back with `row_classes`."""
    return cases.annotate(
        htcds_core=holds_class(user, CORE),
        htcds_identity=holds_class(user, IDENTITY),
        htcds_investigation=holds_class(user, INVESTIGATION),
    ).filter(htcds_core=True)


def row_classes(case: Case) -> set[str]:
    """The classes `annotate_classes` found for one row."""
    held = {CORE: case.htcds_core, IDENTITY: case.htcds_identity, INVESTIGATION: case.htcds_investigation}
    return {cls for cls, holds in held.items() if holds}


def export_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Everything a row needs, fetched per chunk: joins for the one-to-one facts, one
    prefetch query per many-valued fact."""
    referrals = Referral.objects.exclude(status=ReferralStatus.DRAFT).select_related(
        "from_agency", "to_agency", "purpose"
    )
    return (
        cases.select_related(
            "person__ethnicity",
            "person__nationality",
            "person__home_province",
            "owning_agency__kind",
            "reception_province",
            "destination_country",
            "incident",
        )
        .prefetch_related(
            "exploitation_forms",
            "means_of_control",
            "recruitment_methods",
            "incident__offenders",
            Prefetch("consents", queryset=Consent.objects.filter(withdrawn_at__isnull=True), to_attr="htcds_consents"),
            Prefetch("referrals", queryset=referrals.order_by("-created_at", "-id"), to_attr="htcds_referrals"),
        )
        .order_by("pk")
    )


def iter_htcds_rows(cases: QuerySet[Case], classes_for: ClassesFor) -> Iterator[list[str]]:
    """One list of strings per case, in COLUMNS order; columns of classes not held blank.

    `classes_for` is one set of classes for every case (an operator holds all) or a callable
    giving the set for a case (`row_classes` after `annotate_classes`).
    """
    fixed = None if callable(classes_for) else frozenset(classes_for)
    for case in export_queryset(cases).iterator(chunk_size=CHUNK_SIZE):
        held = fixed if fixed is not None else frozenset(classes_for(case))
        if CORE not in held:
            continue
        values = case_values(case)
        yield [values[name] if COLUMN_CLASSES[name] in held else "" for name in COLUMNS]


def split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese order is family [middle] given: (given name, the rest)."""
    words = full_name.split()
    if not words:
        return "", ""
    return words[-1], " ".join(words[:-1])


def join_name(first: str, second: str) -> str:
    return " ".join(part for part in (second.strip(), first.strip()) if part)


def _day(value: datetime.datetime | datetime.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def _flag(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _codes(values: Iterable[PicklistValue], list_name: str) -> str:
    return ";".join(value.code for value in values if value.list_name == list_name)


def _latest_referral(referrals: list[Referral], attribute: str, agency_id: int) -> Referral | None:
    """The newest referral (the prefetch is newest first) from or to the agency."""
    return next((referral for referral in referrals if getattr(referral, attribute) == agency_id), None)


def case_values(case: Case) -> dict[str, str]:
    """Every column's value for one case, before blanking by class."""
    values = dict.fromkeys(COLUMNS, "")  # the columns nothing here fills stay blank
    return values | _person_values(case) | _victim_values(case) | _case_status_values(case) | _extension_values(case)


def _person_values(case: Case) -> dict[str, str]:
    person = case.person
    first, second = split_name(person.full_name)
    return {
        "prs_FirstName": first,
        "prs_SecondName": second,
        "prs_Birthdate": _day(person.birth_date),
        "prs_Gender": GENDER_TO_HTCDS[person.sex],
        "prs_Citizenship": person.nationality.alpha2 if person.nationality_id else "",
        "prs_MobilePhone": person.phone,
        "prs_MailingCountry": "VN" if person.home_province_id else "",
        "prs_MailingState": person.home_province.name if person.home_province_id else "",
        "prs_MailingStreet": person.home_address,
        "cnx_Ethnicity": person.ethnicity.code if person.ethnicity_id else "",
        "cnx_BirthYear": str(person.birth_year or ""),
    }


def _victim_values(case: Case) -> dict[str, str]:
    decided = case.identified_on is not None or case.person_status in (PersonStatus.VICTIM, PersonStatus.NOT_VICTIM)
    forms = list(case.exploitation_forms.all())
    return {
        "vic_TraffickingStatus": TRAFFICKING_STATUS[case.person_status],
        "vic_TraffickinStatusDecisionMakingOrg": (
            DECISION_ORG_BY_KIND.get(case.owning_agency.kind.code, "Other") if decided else ""
        ),
        "vic_MethodOfRecruitment": _codes(case.recruitment_methods.all(), PicklistValue.List.RECRUITMENT_METHOD),
        "vic_MethodsOfControl": _codes(case.means_of_control.all(), PicklistValue.List.MEANS_OF_CONTROL),
        "vic_TypeOfExploitation": _codes(forms, PicklistValue.List.EXPLOITATION_TYPE),
        "vic_ForcedLabourIndustry": _codes(forms, PicklistValue.List.LABOUR_EXPLOITATION_TYPE),
        "vic_TypeOfSexExploitation": _codes(forms, PicklistValue.List.SEX_EXPLOITATION_TYPE),
    }


def _case_status_values(case: Case) -> dict[str, str]:
    if case.status == CaseStatus.CLOSED:
        status = "Closed"
    elif case.status == CaseStatus.REINTEGRATING:
        status = "FollowUp"
    else:
        status = "Active"
    incoming = _latest_referral(case.htcds_referrals, "to_agency_id", case.owning_agency_id)
    outgoing = _latest_referral(case.htcds_referrals, "from_agency_id", case.owning_agency_id)
    return {
        "cas_CaseOwner": case.owning_agency.code,
        "con_Consent": _flag(bool(case.htcds_consents)),
        "cas_Status": status,
        "cas_ReasonForCaseClosure": case.closure_reason if case.status == CaseStatus.CLOSED else "",
        "cas_ReferringOrganisation": incoming.from_agency.code if incoming else "",
        "cas_IncomingReferralDate": _day(incoming.created_at) if incoming else "",
        "cas_ReasonForIncomingReferral": "AdditionalServicesRequired" if incoming else "",
        "cas_IncomingReferralDetails": incoming.purpose.label if incoming else "",
        "cas_ReferredOrganisation": outgoing.to_agency.code if outgoing else "",
        "cas_ReasonForOutgoingReferral": "AdditionalServicesRequired" if outgoing else "",
        "cas_OutgoingReferralDate": _day(outgoing.created_at) if outgoing else "",
        "cas_OutgoingReferralDetails": outgoing.purpose.label if outgoing else "",
    }


def _extension_values(case: Case) -> dict[str, str]:
    incident = case.incident
    offenders = incident.offenders.all() if incident else []
    return {
        "cnx_ExternalId": str(case.public_id),
        "cnx_Reference": case.reference,
        "cnx_ReceivedAt": timezone.localtime(case.received_at).isoformat(),
        "cnx_ReceptionProvince": case.reception_province.code,
        "cnx_CameToNotice": case.came_to_notice,
        "cnx_ReturnMode": case.return_mode,
        "cnx_PersonStatus": case.person_status,
        "cnx_CaseStatus": case.status,
        "cnx_IsChild": _flag(case.is_child),
        "cnx_DestinationCountry": case.destination_country.alpha2 if case.destination_country_id else "",
        "cnx_IdentifiedOn": _day(case.identified_on),
        "cnx_LegalRegime": case.legal_regime,
        "cnx_IncidentId": str(incident.public_id) if incident else "",
        "cnx_CriminalCaseNumber": incident.criminal_case_number if incident else "",
        "per_RoleInProcess": ";".join(ROLE_TO_HTCDS[offender.role_in_process] for offender in offenders),
    }


# Excel runs a cell that starts with one of these as a formula (CSV injection); in a CSV the
# value is written after an apostrophe, which the import takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_csv(rows: Iterable[list[str]], stream: BinaryIO) -> int:
    """Header and rows as UTF-8 with a BOM (Excel then reads the diacritics); the row count."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(["'" + value if value.startswith(FORMULA_STARTS) else value for value in row])
        count += 1
    text.flush()
    text.detach()
    return count


def _text_cell(sheet, value: str):
    if not value:
        return None
    # openpyxl takes a string starting with "=" for a formula unless told it is text.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def write_xlsx(rows: Iterable[list[str]], stream: BinaryIO | str | Path) -> int:
    """Header and rows in a write-only workbook (rows go to disk as they come); the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("HTCDS")
    sheet.append(COLUMNS)
    count = 0
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
        count += 1
    workbook.save(stream)
    return count


def export_htcds(cases: QuerySet[Case], stream: BinaryIO | str | Path, *, fmt: str, classes_for: ClassesFor) -> int:
    """Write the cases as "csv" or "xlsx"; the number of rows written."""
    rows = iter_htcds_rows(cases, classes_for)
    if fmt == "csv":
        if isinstance(stream, str | Path):
            with open(stream, "wb") as handle:
                return write_csv(rows, handle)
        return write_csv(rows, stream)
    if fmt == "xlsx":
        return write_xlsx(rows, stream)
    raise ValueError(f"unknown format {fmt!r}")


# Import: reading the file ------------------------------------------------------------------

REQUIRED_COLUMNS = [
    "cnx_ExternalId",
    "prs_FirstName",
    "prs_SecondName",
    "prs_Gender",
    "vic_TraffickingStatus",
    "cnx_ReceivedAt",
    "cnx_ReceptionProvince",
]
# The field standard spells this one correctly; files made from it are accepted too.
COLUMN_ALIASES = {"vic_TraffickingStatusDecisionMakingOrg": "vic_TraffickinStatusDecisionMakingOrg"}
KNOWN_COLUMNS = set(COLUMNS)
# Row 2 of IOM's template holds the labels; a file still carrying it skips it.
TEMPLATE_LABELS = {"prs_Gender": "Gender", "vic_TraffickingStatus": "Trafficking Status"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: the row as numbered in the file (1 = header; None for
    the file as a whole), the column, and what is wrong."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column or "—",
            "message": self.message,
        }


@dataclass
class ImportReport:
    file_name: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(Exception):
    """The file cannot be read at all; the message says why."""


def _read_bytes(source) -> tuple[bytes, str]:
    if isinstance(source, str | Path):
        path = Path(source)
        return path.read_bytes(), path.name
    return source.read(), Path(getattr(source, "name", "") or "").name


def _cell_text(value) -> str:
    """Cells of a spreadsheet made by hand come typed; compare everything as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _flag(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(content: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except Exception:  # any damage in an uploaded zip/XML is the same answer for the user
        raise ImportRefused(_("The file is not a spreadsheet or CSV file."))
    return rows


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(_("The file is not a spreadsheet or CSV file."))
    if "\x00" in text:
        raise ImportRefused(_("The file is not a spreadsheet or CSV file."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise ImportRefused(_("The file is not a spreadsheet or CSV file."))
    return [[_uncsv(value.strip()) for value in row] for row in rows]


def _uncsv(value: str) -> str:
    """Take off the apostrophe `write_csv` puts before a formula-like value."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def read_table(content: bytes) -> list[list[str]]:
    """The rows of an .xlsx (a zip holding `[Content_Types].xml`) or a UTF-8 CSV."""
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            names = []
        if "[Content_Types].xml" not in names:
            raise ImportRefused(_("The file is not a spreadsheet or CSV file."))
        return _xlsx_rows(content)
    return _csv_rows(content)


def _check_header(header: list[str]) -> tuple[dict[int, str], list[Problem]]:
    """Column index → known column name, and the problems of the header row."""
    problems, columns, seen = [], {}, set()
    for index, raw in enumerate(header):
        name = COLUMN_ALIASES.get(raw, raw)
        if not name:
            continue
        if name not in KNOWN_COLUMNS:
            problems.append(Problem(1, raw, _("Unknown column.")))
        elif name in seen:
            problems.append(Problem(1, raw, _("The column appears twice.")))
        else:
            columns[index] = name
            seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(Problem(1, name, _("This column is required and missing.")))
    return columns, problems


# Import: checking the rows ---------------------------------------------------------------


@dataclass
class Lookups:
    """Reference data by the codes the file uses, loaded once per import."""

    countries: dict[str, Country]
    provinces: dict[str, Province]
    province_names: dict[str, Province]
    ethnic_groups: dict[str, EthnicGroup]
    picklists: dict[tuple[str, str], PicklistValue]

    @classmethod
    def load(cls) -> "Lookups":
        provinces = list(Province.objects.all())
        names = {}
        for province in provinces:
            for key in (province.name, province.name_en, province.code):
                names[key.casefold()] = province
        return cls(
            countries={country.alpha2: country for country in Country.objects.all()},
            provinces={province.code: province for province in provinces},
            province_names=names,
            ethnic_groups={group.code: group for group in EthnicGroup.objects.all()},
            picklists={(value.list_name, value.code): value for value in PicklistValue.objects.all()},
        )

    def allowed(self, list_name: str) -> list[str]:
        return [code for (name, code) in self.picklists if name == list_name]


@dataclass
class ImportRow:
    """One checked row, in model terms."""

    number: int
    external_id: str
    source_reference: str
    full_name: str
    sex: str
    birth_date: datetime.date | None
    birth_year: int | None
    nationality: Country | None
    ethnicity: EthnicGroup | None
    home_province: Province | None
    home_address: str
    phone: str
    person_status: str
    case_status: str
    decision_org: str
    received_at: datetime.datetime
    reception_province: Province
    came_to_notice: str
    return_mode: str
    destination_country: Country | None
    identified_on: datetime.date | None
    legal_regime: str | None
    is_child: bool | None
    closure_reason: str
    picklists: dict[str, list[PicklistValue]]
    incident_key: str
    criminal_case_number: str
    offender_roles: list[str]

    def age_at_reception(self) -> int | None:
        person = Person(birth_date=self.birth_date, birth_year=self.birth_year)
        return person.age_on(timezone.localdate(self.received_at))


def _briefly(values: list[str], limit: int = 8) -> str:
    shown = ", ".join(values[:limit])
    return shown + (", …" if len(values) > limit else "")


class RowReader:
    """Reads one row's cells into typed values, noting every problem instead of stopping."""

    def __init__(self, number: int, cells: dict[str, str], lookups: Lookups, problems: list[Problem]):
        self.number, self.cells, self.lookups, self.problems = number, cells, lookups, problems
        self.today = timezone.localdate()

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))

    def text(self, column: str, max_length: int | None = None, *, required: bool = False) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.problem(column, _("A value is required."))
        if max_length is not None and len(value) > max_length:
            self.problem(column, _("At most %(limit)s characters.") % {"limit": max_length})
            return value[:max_length]
        return value

    def choice(self, column: str, allowed: Iterable[str], *, required: bool = False) -> str:
        value = self.text(column, required=required)
        allowed = list(allowed)
        if value and value not in allowed:
            self.problem(
                column, _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": _briefly(allowed)}
            )
            return ""
        return value

    def codes(self, column: str, list_name: str) -> list[PicklistValue]:
        found = []
        for code in filter(None, (part.strip() for part in self.text(column).split(";"))):
            value = self.lookups.picklists.get((list_name, code))
            if value is None:
                allowed = _briefly(self.lookups.allowed(list_name))
                self.problem(column, _("“%(value)s” is not one of: %(allowed)s.") % {"value": code, "allowed": allowed})
            else:
                found.append(value)
        return found

    def reference(self, column: str, table: dict, unknown: str, *, required: bool = False):
        """The row of `table` the cell's code names; `unknown` is the message for a code not in it."""
        value = self.text(column, required=required)
        if value and value not in table:
            self.problem(column, unknown % {"value": value})
        return table.get(value) if value else None

    def date(self, column: str) -> datetime.date | None:
        value = self.text(column)
        if not value:
            return None
        day = _parse_day(value)
        if day is None:
            self.problem(column, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value})
        elif day > self.today:
            self.problem(column, _("The date is in the future."))
            return None  # one problem per cell: the age checks do not see it again
        return day

    def moment(self, column: str) -> datetime.datetime | None:
        value = self.text(column, required=True)
        if not value:
            return None
        moment = _parse_moment(value)
        if moment is None:
            self.problem(column, _("“%(value)s” is not a date and time (ISO 8601).") % {"value": value})
        elif moment > timezone.now():
            self.problem(column, _("The date is in the future."))
            return None
        return moment

    def flag(self, column: str) -> bool | None:
        value = self.text(column).casefold()
        if not value:
            return None
        if value in ("true", "1", "yes"):
            return True
        if value in ("false", "0", "no"):
            return False
        self.problem(column, _("Write TRUE or FALSE."))
        return None

    def year(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            return None
        if not (value.isascii() and value.isdigit() and len(value) == 4):
            self.problem(column, _("“%(value)s” is not a year.") % {"value": value})
            return None
        return int(value)


def _parse_day(value: str) -> datetime.date | None:
    for parse in (datetime.date.fromisoformat, lambda text: datetime.datetime.strptime(text, "%d/%m/%Y").date()):
        try:
            return parse(value)
        except ValueError:
            continue
    try:
        return datetime.datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _parse_moment(value: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        day = _parse_day(value)
        if day is None:
            return None
        moment = datetime.datetime.combine(day, datetime.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def read_row(number: int, cells: dict[str, str], lookups: Lookups, problems: list[Problem]) -> ImportRow | None:
    """Check one row; None when it has problems (they are in `problems`)."""
    before = len(problems)
    reader = RowReader(number, cells, lookups, problems)
    row = ImportRow(
        number=number,
        external_id=reader.text("cnx_ExternalId", Case._meta.get_field("external_id").max_length, required=True),
        source_reference=reader.text("cnx_Reference", 60),
        full_name=_read_name(reader),
        sex=GENDER_FROM_HTCDS.get(reader.choice("prs_Gender", GENDER_FROM_HTCDS), Sex.UNKNOWN),
        birth_date=reader.date("prs_Birthdate"),
        birth_year=reader.year("cnx_BirthYear"),
        nationality=reader.reference("prs_Citizenship", lookups.countries, _("Unknown country code “%(value)s”.")),
        ethnicity=reader.reference("cnx_Ethnicity", lookups.ethnic_groups, _("Unknown ethnic group code “%(value)s”.")),
        home_province=_read_home_province(reader),
        home_address=reader.text("prs_MailingStreet", 300),
        phone=reader.text("prs_MobilePhone", 30) or reader.text("prs_HomePhone", 30),
        person_status=_read_person_status(reader),
        case_status="",
        decision_org=reader.choice("vic_TraffickinStatusDecisionMakingOrg", DECISION_ORGS),
        received_at=reader.moment("cnx_ReceivedAt"),
        reception_province=reader.reference(
            "cnx_ReceptionProvince", lookups.provinces, _("Unknown province code “%(value)s”."), required=True
        ),
        came_to_notice=reader.choice("cnx_CameToNotice", CameToNotice.values) or CameToNotice.OTHER,
        return_mode=reader.choice("cnx_ReturnMode", ReturnMode.values),
        destination_country=reader.reference(
            "cnx_DestinationCountry", lookups.countries, _("Unknown country code “%(value)s”.")
        ),
        identified_on=reader.date("cnx_IdentifiedOn"),
        # Absent (None) is derived from the identification date; blank stays blank.
        legal_regime=reader.choice("cnx_LegalRegime", LegalRegime.values) if "cnx_LegalRegime" in cells else None,
        is_child=reader.flag("cnx_IsChild"),
        closure_reason=reader.text("cas_ReasonForCaseClosure"),
        picklists={column: reader.codes(column, list_name) for column, list_name in PICKLIST_COLUMNS.items()},
        incident_key=reader.text("cnx_IncidentId", 100),
        criminal_case_number=reader.text("cnx_CriminalCaseNumber", 60),
        offender_roles=_read_roles(reader),
    )
    reader.flag("con_Consent")
    reader.reference("prs_MailingCountry", lookups.countries, _("Unknown country code “%(value)s”."))
    for column in ("cas_IncomingReferralDate", "cas_OutgoingReferralDate"):
        reader.date(column)
    for column in ("cas_ReasonForIncomingReferral", "cas_ReasonForOutgoingReferral"):
        reader.choice(column, REFERRAL_REASONS)
    row.case_status = _read_case_status(reader, row)
    _check_row(reader, row)
    return row if len(problems) == before else None


def _read_name(reader: RowReader) -> str:
    name = join_name(reader.text("prs_FirstName"), reader.text("prs_SecondName"))
    if not name:
        reader.problem("prs_FirstName", _("The person's name is required."))
    elif len(name) > Person._meta.get_field("full_name").max_length:
        reader.problem("prs_FirstName", _("The name is too long."))
    return name


def _read_home_province(reader: RowReader) -> Province | None:
    value = reader.text("prs_MailingState")
    if not value:
        return None
    province = reader.lookups.province_names.get(value.casefold())
    if province is None:
        reader.problem("prs_MailingState", _("Unknown province “%(value)s”.") % {"value": value})
    return province


def _read_person_status(reader: RowReader) -> str:
    htcds = reader.choice("vic_TraffickingStatus", PERSON_STATUS_FROM_HTCDS, required=True)
    exact = reader.choice("cnx_PersonStatus", PersonStatus.values)
    if exact and htcds and TRAFFICKING_STATUS[exact] != htcds:
        reader.problem(
            "cnx_PersonStatus",
            _("“%(value)s” does not agree with the trafficking status “%(status)s”.")
            % {"value": exact, "status": htcds},
        )
    return exact or PERSON_STATUS_FROM_HTCDS.get(htcds, PersonStatus.IN_IDENTIFICATION)


def _read_roles(reader: RowReader) -> list[str]:
    roles = []
    for value in filter(None, (part.strip() for part in reader.text("per_RoleInProcess").split(";"))):
        if value not in ROLE_FROM_HTCDS:
            reader.problem(
                "per_RoleInProcess",
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value, "allowed": _briefly(list(ROLE_FROM_HTCDS))},
            )
        else:
            roles.append(ROLE_FROM_HTCDS[value])
    return roles


# Statuses an identification decision has been made in (or after).
DECIDED_STATUSES = {CaseStatus.IDENTIFIED, CaseStatus.SUPPORTING, CaseStatus.REINTEGRATING}


def _read_case_status(reader: RowReader, row: ImportRow) -> str:
    """The exact status, or the one an HTCDS case status and trafficking status stand for."""
    exact = reader.choice("cnx_CaseStatus", CaseStatus.values)
    htcds = reader.choice("cas_Status", CASE_STATUSES)
    if exact:
        return exact
    if htcds in ("Closed", "ClosedReferred"):
        return CaseStatus.CLOSED
    if row.person_status == PersonStatus.VICTIM:
        return CaseStatus.REINTEGRATING if htcds == "FollowUp" else CaseStatus.IDENTIFIED
    if row.person_status == PersonStatus.NOT_VICTIM:
        return CaseStatus.NOT_IDENTIFIED
    return CaseStatus.REPORTED


def _check_row(reader: RowReader, row: ImportRow) -> None:
    """Rules across columns: dates in order, a possible age, status and person status agree."""
    if row.birth_date and row.birth_year and row.birth_date.year != row.birth_year:
        reader.problem("cnx_BirthYear", _("The year of birth differs from the date of birth."))
    if row.received_at is None:
        return
    received_on = timezone.localdate(row.received_at)
    if row.identified_on and row.identified_on < received_on:
        reader.problem("cnx_IdentifiedOn", _("The identification date is before the person was received."))
    _check_age(reader, row)
    if row.case_status in DECIDED_STATUSES and row.person_status not in (
        PersonStatus.VICTIM,
        PersonStatus.ACCOMPANYING_CHILD,
    ):
        reader.problem(
            "cnx_CaseStatus",
            _("A case in “%(status)s” must be of an identified victim.") % {"status": row.case_status},
        )
    if row.case_status == CaseStatus.NOT_IDENTIFIED and row.person_status == PersonStatus.VICTIM:
        reader.problem("cnx_CaseStatus", _("A case in “not_identified” cannot be of an identified victim."))


def _check_age(reader: RowReader, row: ImportRow) -> None:
    age = row.age_at_reception()
    column = "prs_Birthdate" if row.birth_date else "cnx_BirthYear"
    if age is None:
        return
    if age < 0:
        reader.problem(column, _("The person was born after being received."))
    elif age > OLDEST_AGE:
        reader.problem(column, _("The person would have been over %(age)s at reception.") % {"age": OLDEST_AGE})
    elif row.is_child is True and age >= ADULT_AGE:
        reader.problem("cnx_IsChild", _("Marked as a child, but %(age)s at reception.") % {"age": age})
    elif row.is_child is False and age < ADULT_AGE:
        reader.problem("cnx_IsChild", _("Marked as an adult, but %(age)s at reception.") % {"age": age})


def _check_file(rows: list[ImportRow], problems: list[Problem]) -> None:
    """Rules across rows: one row per external id, one incident's rows agree."""
    first_row = {}
    for row in rows:
        if row.external_id in first_row:
            problems.append(
                Problem(
                    row.number,
                    "cnx_ExternalId",
                    _("The same id is on row %(row)s.") % {"row": first_row[row.external_id]},
                )
            )
        first_row.setdefault(row.external_id, row.number)
    incidents = defaultdict(list)
    for row in rows:
        if row.incident_key:
            incidents[row.incident_key].append(row)
        elif row.criminal_case_number or row.offender_roles:
            problems.append(
                Problem(row.number, "cnx_IncidentId", _("Offenders or a criminal case need an incident id."))
            )
    for group in incidents.values():
        for row in group[1:]:
            if (row.criminal_case_number, Counter(row.offender_roles)) != (
                group[0].criminal_case_number,
                Counter(group[0].offender_roles),
            ):
                problems.append(
                    Problem(
                        row.number,
                        "per_RoleInProcess",
                        _("The rows of one incident differ from row %(row)s in offenders or criminal case number.")
                        % {"row": group[0].number},
                    )
                )


def _is_label_row(cells: dict[str, str]) -> bool:
    return all(cells.get(column) == label for column, label in TEMPLATE_LABELS.items())


def check_rows(table: list[list[str]], lookups: Lookups) -> tuple[list[ImportRow], list[Problem]]:
    """Every row checked; the rows are usable only when the problems are none."""
    if not table:
        return [], [Problem(None, "", _("The file is empty."))]
    columns, problems = _check_header(table[0])
    if problems:
        return [], problems
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {columns[index]: value for index, value in enumerate(values) if index in columns}
        if not any(cells.values()) or _is_label_row(cells):
            continue
        row = read_row(number, cells, lookups, problems)
        if row is not None:
            rows.append(row)
    _check_file(rows, problems)
    if not rows and not problems:
        problems.append(Problem(None, "", _("The file has no rows to import.")))
    return rows, problems


# Import: writing -------------------------------------------------------------------------


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
UPDATED_FIELDS = gettext_noop("%(reason)s: %(fields)s")


def _system_text(message: str, **values) -> str:
    """Timeline text is written once, in the system language, like the other case events."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values


@dataclass
class Importer:
    """Writes checked rows; run inside one transaction (a failure undoes the whole file)."""

    agency: Agency
    actor: object
    file_name: str
    report: ImportReport

    def reason(self) -> str:
        return _system_text(IMPORTED_FROM, file=self.file_name or "—")

    def run(self, rows: list[ImportRow], existing: dict[str, Case]) -> None:
        cases = {}
        for row in rows:
            case = existing.get(row.external_id)
            cases[row.external_id] = self.update(case, row) if case else self.create(row)
        self.link_incidents(rows, cases)

    def create(self, row: ImportRow) -> Case:
        person = Person(**_person_fields(row))
        case = Case(**_case_fields(row), external_id=row.external_id)
        case = actions.do_create_case(
            person=person,
            case=case,
            actor=self.actor,
            agency=self.agency,
            exploitation_forms=_exploitation(row),
            means_of_control=row.picklists["vic_MethodsOfControl"],
            recruitment_methods=row.picklists["vic_MethodOfRecruitment"],
        )
        case = self.move(case, row, plan_moves(case.status, row))
        self.settle(case, row)
        self.report.created += 1
        return case

    def update(self, case: Case, row: ImportRow) -> Case:
        changed = _apply_changes(case, row)
        moves = plan_moves(case.status, row)
        if changed:
            actions._event(
                case,
                CaseEvent.Kind.UPDATED,
                actor=self.actor,
                reason=_system_text(UPDATED_FIELDS, reason=self.reason(), fields=", ".join(changed)),
            )
            identity_changed = any(name.startswith("person.") for name in changed)
            audit.record(
                AuditEvent.Action.UPDATE,
                actor=self.actor,
                case=case,
                obj=case,
                agency=self.agency,
                classes=[CORE, IDENTITY] if identity_changed else [CORE],
                detail={"htcds_import": self.file_name, "fields": changed, "source_reference": row.source_reference},
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
                    authority=row.decision_org or "HTCDS",
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
        facts = _decision_fields(row)
        if row.is_child is not None and row.age_at_reception() is None:
            facts["is_child"] = row.is_child
        Case.objects.filter(pk=case.pk).update(**facts)
        for name, value in facts.items():
            setattr(case, name, value)

    def link_incidents(self, rows: list[ImportRow], cases: dict[str, Case]) -> None:
        groups = defaultdict(list)
        for row in rows:
            if row.incident_key:
                groups[row.incident_key].append(row)
        for key, group in groups.items():
            members = [cases[row.external_id] for row in group]
            incident = self.find_incident(key, members, group[0])
            for case in members:
                if case.incident_id != incident.pk:
                    actions.do_link_incident(case, incident, actor=self.actor, agency=self.agency)
            self.add_offenders(incident, members[0], group[0].offender_roles)

    def find_incident(self, key: str, members: list[Case], row: ImportRow) -> Incident:
        """The incident the cases already share, the agency's own with this public id, or a
        new one."""
        incident = next((case.incident for case in members if case.incident_id), None)
        if incident is None:
            incident = Incident.objects.filter(agency=self.agency, public_id=_as_uuid(key)).first()
        if incident is None:
            return actions.do_link_incident(
                members[0], None, actor=self.actor, agency=self.agency, criminal_case_number=row.criminal_case_number
            )
        if row.criminal_case_number and incident.criminal_case_number != row.criminal_case_number:
            Incident.objects.filter(pk=incident.pk).update(criminal_case_number=row.criminal_case_number)
            incident.criminal_case_number = row.criminal_case_number
            actions._event(
                members[0],
                CaseEvent.Kind.UPDATED,
                actor=self.actor,
                reason=_system_text(UPDATED_FIELDS, reason=self.reason(), fields="incident.criminal_case_number"),
                sensitivity=SensitivityClass.INVESTIGATION,
            )
        return incident

    def add_offenders(self, incident: Incident, case: Case, roles: list[str]) -> None:
        """Add the offenders the incident does not have yet (by role); remove none."""
        # Compared as HTCDS carries them: an "unknown" offender came back as "other".
        recorded = incident.offenders.values_list("role_in_process", flat=True)
        missing = Counter(roles) - Counter(ROLE_FROM_HTCDS[ROLE_TO_HTCDS[role]] for role in recorded)
        for role in sorted(missing.elements()):
            actions.do_add_offender(case, Offender(role_in_process=role), actor=self.actor)


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


def _differences(instance, values: dict) -> list[str]:
    """The fields whose values differ (foreign keys compared by id), set on the instance."""
    changed = []
    for name, value in values.items():
        model_field = instance._meta.get_field(name)
        current = getattr(instance, model_field.attname)
        wanted = value.pk if model_field.is_relation and value is not None else value
        if current != wanted:
            changed.append(name)
            setattr(instance, name, value)
    return changed


def _apply_changes(case: Case, row: ImportRow) -> list[str]:
    """Write the row's facts to an existing case and its person; the names of what changed."""
    person_changed = _differences(case.person, _person_fields(row))
    if person_changed:
        case.person.save()
    case_values = {**_case_fields(row), **_derived_fields(row), **_decision_fields(row)}
    if case.status != CaseStatus.CLOSED or row.case_status != CaseStatus.CLOSED:
        case_values.pop("closure_reason", None)
    elif row.closure_reason:
        case_values["closure_reason"] = row.closure_reason
    case_changed = _differences(case, case_values)
    if case_changed:
        case.save(update_fields=[*case_changed, "updated_at"])
    picklists_changed = _update_picklists(case, row)
    return [f"person.{name}" for name in person_changed] + case_changed + picklists_changed


def _update_picklists(case: Case, row: ImportRow) -> list[str]:
    wanted = {
        "exploitation_forms": _exploitation(row),
        "means_of_control": row.picklists["vic_MethodsOfControl"],
        "recruitment_methods": row.picklists["vic_MethodOfRecruitment"],
    }
    changed = []
    for name, values in wanted.items():
        manager = getattr(case, name)
        if {value.pk for value in manager.all()} != {value.pk for value in values}:
            manager.set(values)
            changed.append(name)
    return changed


def _existing_cases(rows: list[ImportRow], agency: Agency) -> dict[str, Case]:
    """The agency's cases the rows update: by external id, or (its own export coming back)
    by public id."""
    keys = [row.external_id for row in rows]
    cases = Case.objects.filter(owning_agency=agency).select_related("person", "incident")
    cases = cases.prefetch_related("exploitation_forms", "means_of_control", "recruitment_methods")
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


def import_htcds(source, *, agency: Agency, actor) -> ImportReport:
    """Import an HTCDS file (a path or a binary file object) into cases owned by `agency`.

    1. Read the file (.xlsx or UTF-8 CSV, by content) and check the header.
    2. Check every row and the rows against each other and the agency's existing cases.
    3. Only when nothing is wrong, write every row in one transaction.
    """
    content, file_name = _read_bytes(source)
    report = ImportReport(file_name=file_name)
    try:
        table = read_table(content)
    except ImportRefused as refusal:
        report.problems.append(Problem(None, "", str(refusal)))
        return report
    rows, report.problems = check_rows(table, Lookups.load())
    existing = _existing_cases(rows, agency) if not report.problems else {}
    _check_moves(rows, existing, report.problems)
    if report.problems:
        report.problems.sort(key=_problem_order)
        return report
    _write(rows, existing, agency=agency, actor=actor, report=report)
    return report


def _problem_order(problem: Problem) -> tuple[int, int]:
    return problem.row or 0, COLUMNS.index(problem.column) if problem.column in COLUMNS else -1


def _write(rows: list[ImportRow], existing: dict[str, Case], *, agency: Agency, actor, report: ImportReport) -> None:
    token = None
    if audit.current_request.get() is None:
        token = audit.current_request.set(audit.RequestMeta(ip=None, agency_id=agency.pk))
    try:
        with transaction.atomic():
            Importer(agency=agency, actor=actor, file_name=report.file_name, report=report).run(rows, existing)
            audit.record(
                AuditEvent.Action.CREATE,
                actor=actor,
                agency=agency,
                detail={
                    "htcds_import": report.file_name,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
    except (actions.CaseworkError, IntegrityError) as error:
        # A rule the checks above did not foresee, or the same file imported at the same
        # moment: the transaction is undone, nothing was written.
        report.created = report.updated = report.unchanged = 0
        report.problems.append(Problem(None, "", _("Nothing was imported: %(error)s") % {"error": error}))
    finally:
        if token is not None:
            audit.current_request.reset(token)
