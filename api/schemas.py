"""What the API reads and writes (pydantic, through django-ninja). Reference values are codes:
provinces by their code, countries by ISO 3166 alpha-2, communes by their agency code, HTCDS
picklists by the standard's value names (docs/api.md)."""

import datetime
import uuid
from typing import Literal

from ninja import Schema
from pydantic import Field

Text = str


class Problem(Schema):
    field: str = ""
    message: str


class ErrorOut(Schema):
    """Every 4xx: a sentence for a person, and per field what is wrong where there is a field."""

    detail: str
    errors: list[Problem] = []


# Reports -----------------------------------------------------------------------------------


class PersonIn(Schema):
    full_name: str = Field(max_length=200)
    other_names: str = Field("", max_length=300)
    sex: Literal["female", "male", "other", "unknown"]
    birth_date: datetime.date | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    ethnicity: str = Field("", max_length=3, description="Code of one of the 54 ethnic groups, e.g. 01 (Kinh).")
    nationality: str = Field("VN", max_length=2, description="ISO 3166 alpha-2; blank if unknown.")
    document_type: Literal["", "cccd", "passport", "birth_certificate", "foreign_id", "other"] = ""
    document_number: str = Field("", max_length=40)
    home_province: str = Field("", max_length=4, description="Province code.")
    home_commune: str = Field("", max_length=40, description="Agency code of the home commune.")
    home_address: str = Field("", max_length=300)
    phone: str = Field("", max_length=30)
    languages: str = Field("", max_length=200)
    guardian_name: str = Field("", max_length=200)
    guardian_relation: str = Field("", max_length=100)
    guardian_phone: str = Field("", max_length=30)


class FactsIn(Schema):
    came_to_notice: Literal[
        "hotline_111", "self_report", "rescue", "border_handover", "mission_return", "ngo_referral", "other"
    ] = "hotline_111"
    received_at: datetime.datetime
    reception_province: str = Field(max_length=4, description="Province code.")
    reception_commune: str = Field("", max_length=40, description="Agency code of the commune of reception.")
    reception_place: str = Field("", max_length=200)
    return_mode: Literal["", "self_returned", "rescued", "handed_over", "not_applicable"] = ""
    destination_country: str = Field("", max_length=2, description="ISO 3166 alpha-2.")
    route: str = Field("", max_length=300)
    abroad: bool = False
    absent_from: datetime.date | None = None
    absent_until: datetime.date | None = None
    exploitation_forms: list[str] = Field([], max_length=30)
    recruitment_methods: list[str] = Field([], max_length=30)
    means_of_control: list[str] = Field([], max_length=30)


class ReportIn(Schema):
    person: PersonIn
    facts: FactsIn
    confirm_not_duplicate: bool = Field(
        False, description="Set after checking the possible duplicates a 409 answer listed."
    )


class ReportOut(Schema):
    code: uuid.UUID
    reference: str
    status: str
    created: bool


class DuplicatesOut(ErrorOut):
    duplicates: list[str] = Field([], description="References of the possible duplicates the agency may see.")


# Cases -------------------------------------------------------------------------------------


class PersonOut(Schema):
    full_name: str
    sex: str
    birth_date: datetime.date | None
    birth_year: int | None
    nationality: str | None
    home_province: str | None
    home_commune: str | None


class CaseOut(Schema):
    code: uuid.UUID
    reference: str
    status: str
    person_status: str
    legal_regime: str
    is_child: bool
    lead_agency: str
    came_to_notice: str
    received_at: datetime.datetime
    reception_province: str
    reception_commune: str | None
    return_mode: str
    destination_country: str | None
    due_at: datetime.datetime | None
    classes: list[str] = Field(
        description="The sensitivity classes the client holds on the case (in a list: those its fields needed)."
    )
    person: PersonOut | None = Field(description="Only where the client holds the identity class.")


class CasePage(Schema):
    items: list[CaseOut]
    next: uuid.UUID | None = Field(description="Pass as `after` for the next page; null on the last.")


# Referrals ---------------------------------------------------------------------------------


class ProfileOut(Schema):
    sex: str
    age_band: str
    is_child: bool
    languages: str
    urgent: bool


class ReferralOut(Schema):
    code: uuid.UUID
    reference: str
    purpose: str
    status: str
    side: str
    from_agency: str
    to_agency: str
    case: uuid.UUID
    urgent: bool
    due_at: datetime.datetime | None
    overdue: bool
    created_at: datetime.datetime
    person_name: str | None = Field(description="Only where the client holds the identity class.")
    profile: ProfileOut | None


class ReferralList(Schema):
    items: list[ReferralOut]


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


# HTCDS -------------------------------------------------------------------------------------

Cell = str | int | float | bool | None


class HtcdsPage(Schema):
    columns: list[str]
    rows: list[dict[str, str]]
    next: uuid.UUID | None


class HtcdsImportIn(Schema):
    rows: list[dict[str, Cell]] = Field(min_length=1, description="One object per row: HTCDS column → value.")
    mode: Literal["auto", "historic", "live"] = "auto"


class HtcdsProblem(Schema):
    row: int | None = Field(description="Index in `rows` (from 0); null for the whole payload.")
    column: str
    message: str


class HtcdsImportOut(Schema):
    # No count of possible duplicates: it would say that a person of the rows is registered by
    # an agency whose cases the client may not see (decision 268); the owners are told instead.
    created: int
    updated: int
    unchanged: int
    historic: int


class HtcdsRefusedOut(ErrorOut):
    problems: list[HtcdsProblem] = Field([], description="What the importer found wrong, row by row.")
    # A row refused while writing stops the import after the rows before it (decisions 257, 303).
    created: int = Field(0, description="Cases registered before the import stopped; 0 when nothing was written.")
    updated: int = Field(0, description="Cases updated before the import stopped.")
    unchanged: int = Field(0, description="Cases found unchanged before the import stopped.")
