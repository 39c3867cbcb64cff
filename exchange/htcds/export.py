"""Writing cases as HTCDS rows: class-filtered, chunked, streamed to CSV or XLSX."""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from casework.access import holds_class
from casework.models import (
    Case,
    CaseStatus,
    Consent,
    PersonStatus,
    PicklistValue,
)
from exchange.htcds.columns import (
    CHUNK_SIZE,
    COLUMN_CLASSES,
    COLUMNS,
    CORE,
    DECISION_ORG_BY_KIND,
    DECISION_ORGS,
    GENDER_TO_HTCDS,
    HEADER_ROW,
    IDENTITY,
    INVESTIGATION,
    LABEL_ROW,
    NO_DECISION_ORG,
    ROLE_TO_HTCDS,
    SHELTER,
    TRAFFICKING_STATUS,
)
from referrals.access import case_page_shows_referral
from referrals.models import Referral, ReferralStatus

# Export ---------------------------------------------------------------------------------

ClassesFor = Callable[[Case], Iterable[str]] | Iterable[str]


@dataclass(frozen=True)
class Viewer:
    """The agency an export is written for, which sees what the case page shows it: every
    referral and consent of a case it leads; of another agency's case only the referrals at its
    own ends and the consents that concern it (decision 13). None: the operator, who sees all."""

    agency_id: int
    kind_id: int | None

    @classmethod
    def of(cls, user) -> "Viewer":
        agency = user.active_membership.agency
        return cls(agency_id=agency.pk, kind_id=agency.kind_id)

    def sees_referral(self, case: Case, referral: Referral) -> bool:
        return case_page_shows_referral(self.agency_id, case, referral)

    def sees_consent(self, case: Case, consent: Consent) -> bool:
        return self.agency_id == case.owning_agency_id or consent.concerns(self.agency_id, self.kind_id)


def annotate_classes(cases: QuerySet[Case], user) -> QuerySet[Case]:
    """The cases the user may see, each annotated with the export classes the user holds on
    it, in the list's own SQL (one EXISTS per class); read them back with `row_classes`."""
    return cases.annotate(
        htcds_core=holds_class(user, CORE),
        htcds_identity=holds_class(user, IDENTITY),
        htcds_investigation=holds_class(user, INVESTIGATION),
        htcds_shelter=holds_class(user, SHELTER),
    ).filter(htcds_core=True)


def row_classes(case: Case) -> set[str]:
    """The classes `annotate_classes` found for one row."""
    held = {
        CORE: case.htcds_core,
        IDENTITY: case.htcds_identity,
        INVESTIGATION: case.htcds_investigation,
        SHELTER: case.htcds_shelter,
    }
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
            "person__home_former_province",
            "owning_agency__kind",
            "htcds_statement",
            "reception_province",
            "destination_country",
            "incident",
        )
        .prefetch_related(
            "exploitation_forms",
            "means_of_control",
            "recruitment_methods",
            "incident__offenders",
            Prefetch(
                "consents",
                queryset=Consent.objects.only("case_id", "withdrawn_at", "agency_id", "agency_kind_id"),
                to_attr="htcds_consents",
            ),
            Prefetch("referrals", queryset=referrals.order_by("-created_at", "-id"), to_attr="htcds_referrals"),
        )
        .order_by("pk")
    )


def iter_htcds_rows(
    cases: QuerySet[Case], classes_for: ClassesFor, viewer: Viewer | None = None
) -> Iterator[list[str]]:
    """One list of strings per case, in COLUMNS order; columns of classes not held blank
    (`COLUMN_CLASSES`, decision 170).

    `classes_for` is one set of classes for every case (an operator holds all) or a callable
    giving the set for a case (`row_classes` after `annotate_classes`); `viewer` the agency
    the rows are for (None: the operator).
    """
    fixed = None if callable(classes_for) else frozenset(classes_for)
    for case in export_queryset(cases).iterator(chunk_size=CHUNK_SIZE):
        held = fixed if fixed is not None else frozenset(classes_for(case))
        if CORE not in held:
            continue
        values = case_values(case, viewer)
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


def flag(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _codes(values: Iterable[PicklistValue], list_name: str) -> str:
    return ";".join(value.code for value in values if value.list_name == list_name)


def _latest_referral(referrals: list[Referral], attribute: str, agency_id: int) -> Referral | None:
    """The newest referral (the prefetch is newest first) from or to the agency."""
    return next((referral for referral in referrals if getattr(referral, attribute) == agency_id), None)


def case_values(case: Case, viewer: Viewer | None = None) -> dict[str, str]:
    """Every column's value for one case, before blanking by class."""
    values = dict.fromkeys(COLUMNS, "")  # the columns nothing here fills stay blank
    return (
        values
        | _person_values(case)
        | _victim_values(case)
        | _case_status_values(case, viewer)
        | _extension_values(case)
    )


def _person_values(case: Case) -> dict[str, str]:
    person = case.person
    first, second = split_name(person.full_name)
    return {
        "prs_FirstName": first,
        "prs_SecondName": second,
        "prs_Birthdate": _day(person.birth_date),
        "prs_Gender": GENDER_TO_HTCDS[person.sex],
        "prs_Citizenship": _citizenship(case),
        "prs_MobilePhone": person.phone,
        "prs_MailingCountry": "VN" if person.home_province_id else "",
        # As recorded: a province of before 2025 by its own name (docs/domain.md §1).
        "prs_MailingState": (
            person.home_former_province.name
            if person.home_former_province_id
            else person.home_province.name
            if person.home_province_id
            else ""
        ),
        "prs_MailingStreet": person.home_address,
        "cnx_Ethnicity": person.ethnicity.code if person.ethnicity_id else "",
        "cnx_BirthYear": str(person.birth_year or ""),
    }


def _statement(case: Case):
    """The HTCDS statement an import kept for the case, or None."""
    try:
        return case.htcds_statement
    except ObjectDoesNotExist:
        return None


def _citizenship(case: Case) -> str:
    """The nationality first, then the other citizenships the import kept (decision 82)."""
    if not case.person.nationality_id:
        return ""
    statement = _statement(case)
    others = statement.other_citizenships.split(";") if statement and statement.other_citizenships else []
    return ";".join([case.person.nationality.alpha2, *others])


def consent_value(case: Case, viewer: Viewer | None = None) -> str:
    """TRUE while a consent of ours stands, FALSE when every one was withdrawn; without any,
    what the sender stated when the case was imported; blank when nobody knows (decision 82).
    Only the consents the viewer's case page shows count."""
    consents = [consent for consent in case.htcds_consents if viewer is None or viewer.sees_consent(case, consent)]
    if consents:
        return flag(any(consent.withdrawn_at is None for consent in consents))
    statement = _statement(case)
    if statement is not None and statement.consent is not None:
        return flag(statement.consent)
    return ""


def decision_org(case: Case) -> str:
    """The decision-maker as recorded when it is an HTCDS value (an imported decision), else
    the kind of the agency that owns the case (a decision recorded here names the authority
    in words)."""
    if case.identification_authority in DECISION_ORGS:
        return case.identification_authority
    if case.identification_authority == NO_DECISION_ORG:
        return ""  # imported without one
    return DECISION_ORG_BY_KIND.get(case.owning_agency.kind.code, "Other")


def _victim_values(case: Case) -> dict[str, str]:
    decided = case.identified_on is not None or case.person_status in (PersonStatus.VICTIM, PersonStatus.NOT_VICTIM)
    forms = list(case.exploitation_forms.all())
    return {
        "vic_TraffickingStatus": TRAFFICKING_STATUS[case.person_status],
        "vic_TraffickinStatusDecisionMakingOrg": decision_org(case) if decided else "",
        "vic_MethodOfRecruitment": _codes(case.recruitment_methods.all(), PicklistValue.List.RECRUITMENT_METHOD),
        "vic_MethodsOfControl": _codes(case.means_of_control.all(), PicklistValue.List.MEANS_OF_CONTROL),
        "vic_TypeOfExploitation": _codes(forms, PicklistValue.List.EXPLOITATION_TYPE),
        "vic_ForcedLabourIndustry": _codes(forms, PicklistValue.List.LABOUR_EXPLOITATION_TYPE),
        "vic_TypeOfSexExploitation": _codes(forms, PicklistValue.List.SEX_EXPLOITATION_TYPE),
    }


def _case_status_values(case: Case, viewer: Viewer | None) -> dict[str, str]:
    if case.status == CaseStatus.CLOSED:
        status = "Closed"
    elif case.status == CaseStatus.REINTEGRATING:
        status = "FollowUp"
    else:
        status = "Active"
    seen = [referral for referral in case.htcds_referrals if viewer is None or viewer.sees_referral(case, referral)]
    incoming = _latest_referral(seen, "to_agency_id", case.owning_agency_id)
    outgoing = _latest_referral(seen, "from_agency_id", case.owning_agency_id)
    return {
        "cas_CaseOwner": case.owning_agency.code,
        "con_Consent": consent_value(case, viewer),
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
        # The sender's own id, so it can match its records; else ours.
        "cnx_ExternalId": case.external_id or str(case.public_id),
        "cnx_Reference": case.reference,
        "cnx_ReceivedAt": timezone.localtime(case.received_at).isoformat(),
        "cnx_ReceptionProvince": case.reception_province.code,
        "cnx_CameToNotice": case.came_to_notice,
        "cnx_ReturnMode": case.return_mode,
        "cnx_PersonStatus": case.person_status,
        "cnx_CaseStatus": case.status,
        "cnx_IsChild": flag(case.is_child),
        "cnx_DestinationCountry": case.destination_country.alpha2 if case.destination_country_id else "",
        "cnx_IdentifiedOn": _day(case.identified_on),
        "cnx_LegalRegime": case.legal_regime,
        "cnx_IncidentId": str(incident.public_id) if incident else "",
        "cnx_CriminalCaseNumber": incident.criminal_case_number if incident else "",
        "per_RoleInProcess": ";".join(ROLE_TO_HTCDS[offender.role_in_process] for offender in offenders),
    }


# The template's one sheet.
SHEET_TITLE = "Sheet1"
# Excel runs a cell that starts with one of these as a formula (CSV injection); in a CSV the
# value is written after an apostrophe, which the import takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


HEADER_ROWS = [HEADER_ROW, LABEL_ROW]


def numbered(rows: Iterable[list[str]]) -> Iterator[list]:
    """The rows as the template has them: column A numbers them from 1."""
    for number, row in enumerate(rows, start=1):
        yield [number, *row]


def write_csv(rows: Iterable[list[str]], stream: BinaryIO) -> int:
    """The template's layout (header, labels, numbered rows) as UTF-8 with a BOM (Excel then
    reads the diacritics); the row count."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerows(HEADER_ROWS)
    count = 0
    for row in numbered(rows):
        writer.writerow([row[0], *("'" + value if value.startswith(FORMULA_STARTS) else value for value in row[1:])])
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
    """The template's layout (header, labels, numbered rows) in a write-only workbook (rows
    go to disk as they come); the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for header in HEADER_ROWS:
        sheet.append(header)
    count = 0
    for row in numbered(rows):
        sheet.append([row[0], *(_text_cell(sheet, value) for value in row[1:])])
        count += 1
    workbook.save(stream)
    return count


def export_htcds(
    cases: QuerySet[Case],
    stream: BinaryIO | str | Path,
    *,
    fmt: str,
    classes_for: ClassesFor,
    viewer: Viewer | None = None,
) -> int:
    """Write the cases as "csv" or "xlsx"; the number of rows written."""
    rows = iter_htcds_rows(cases, classes_for, viewer)
    if fmt == "csv":
        if isinstance(stream, str | Path):
            with open(stream, "wb") as handle:
                return write_csv(rows, handle)
        return write_csv(rows, stream)
    if fmt == "xlsx":
        return write_xlsx(rows, stream)
    raise ValueError(f"unknown format {fmt!r}")


# Import: reading the file ------------------------------------------------------------------
