"""Checking every row of an HTCDS table before anything is written; the table itself is read
by `exchange.htcds.files`."""

import datetime
import hashlib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import (
    CameToNotice,
    Case,
    CaseStatus,
    Country,
    EthnicGroup,
    FormerProvince,
    LegalRegime,
    Person,
    PersonStatus,
    PicklistValue,
    Province,
    ReturnMode,
    Sex,
)
from exchange.htcds.columns import (
    ADULT_AGE,
    CASE_STATUSES,
    DECISION_ORGS,
    GENDER_FROM_HTCDS,
    OLDEST_AGE,
    PERSON_STATUS_FROM_HTCDS,
    PICKLIST_COLUMNS,
    REFERRAL_REASONS,
    ROLE_FROM_HTCDS,
    TRAFFICKING_STATUS,
)
from exchange.htcds.export import join_name
from exchange.htcds.files import (
    STAY_COLUMNS,
    Problem,
    check_header,
    is_label_row,
)
from shelters.history import MAX_PAST_VISITS
from shelters.models import FollowUpOutcome

# "Tỉnh Hà Giang", "TP. Hồ Chí Minh": the province is named without the word for its kind.
PROVINCE_PREFIXES = ("thành phố ", "tỉnh ", "tp. ", "tp.", "tp ")


# Import: checking the rows ---------------------------------------------------------------


# The old and the new place of the tone mark ("Hoà Bình", "Hòa Bình") are the same name.
OLD_STYLE_TONES = {
    old: new
    for vowel, glide in (("o", "a"), ("o", "e"), ("u", "y"))
    for old, new in zip(
        (vowel + glide + mark for mark in ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")),
        (vowel + mark + glide for mark in ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")),
        strict=True,
    )
}


def province_key(value: str) -> str:
    """A province as written, compared without case, without "tỉnh"/"thành phố" and with
    the tone mark in one place."""
    key = unicodedata.normalize("NFD", unicodedata.normalize("NFC", value).strip().casefold())
    for old, new in OLD_STYLE_TONES.items():
        key = key.replace(old, new)
    key = unicodedata.normalize("NFC", key)
    for prefix in PROVINCE_PREFIXES:
        if key.startswith(prefix):
            return key.removeprefix(prefix).strip()
    return key


@dataclass
class Lookups:
    """Reference data by the codes the file uses, loaded once per import."""

    # ISO 3166 alpha-2 and alpha-3, upper case.
    countries: dict[str, Country]
    # The 34 provinces by code, name and English name; the 63 of before 2025 by GSO code,
    # name and English name (a name both had, such as "Lào Cai", is the current one).
    province_names: dict[str, Province]
    former_province_names: dict[str, FormerProvince]
    ethnic_groups: dict[str, EthnicGroup]
    picklists: dict[tuple[str, str], PicklistValue]

    @classmethod
    def load(cls) -> "Lookups":
        names, former_names, countries = {}, {}, {}
        for province in Province.objects.all():
            for key in (province.name, province.name_en, province.code):
                names[province_key(key)] = province
        for former in FormerProvince.objects.select_related("successor"):
            for key in (former.name, former.name_en, former.code):
                if key and province_key(key) not in names:
                    former_names[province_key(key)] = former
        for country in Country.objects.all():
            countries[country.alpha2.upper()] = countries[country.alpha3.upper()] = country
        return cls(
            countries=countries,
            province_names=names,
            former_province_names=former_names,
            ethnic_groups={group.code: group for group in EthnicGroup.objects.all()},
            picklists={(value.list_name, value.code): value for value in PicklistValue.objects.all()},
        )

    def allowed(self, list_name: str) -> list[str]:
        return [code for (name, code) in self.picklists if name == list_name]

    def province(self, value: str) -> tuple[Province | None, FormerProvince | None]:
        """The province a name or code stands for, and the former one it was written as."""
        key = province_key(value)
        if key in self.province_names:
            return self.province_names[key], None
        former = self.former_province_names.get(key)
        return (former.successor, former) if former else (None, None)


@dataclass(frozen=True)
class Defaults:
    """What a row without the `cnx_` columns gets, from the importing agency (decision 80)."""

    reception_province: Province | None
    now: datetime.datetime

    @classmethod
    def of(cls, agency) -> "Defaults":
        return cls(reception_province=agency.province, now=timezone.now())


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
    other_citizenships: list[str]
    ethnicity: EthnicGroup | None
    home_province: Province | None
    home_former_province: FormerProvince | None
    home_address: str
    phone: str
    person_status: str
    case_status: str
    decision_org: str
    received_at: datetime.datetime
    # False: the file gave no reception date; `received_at` is the default (decision 80).
    received_at_stated: bool
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
    consent: bool | None
    external_id_stated: bool = True
    # A past stay (decision 121): the facility's code and the real days.
    facility_code: str = ""
    admitted_on: datetime.date | None = None
    discharged_on: datetime.date | None = None
    # Follow-up visits after that stay (decision 266): (day, outcome), in the file's order.
    followups: list[tuple[datetime.date, str]] = field(default_factory=list)

    def age_at_reception(self) -> int | None:
        person = Person(birth_date=self.birth_date, birth_year=self.birth_year)
        return person.age_on(timezone.localdate(self.received_at))


def _briefly(values: list[str], limit: int = 12) -> str:
    """The valid values for a refused cell; a long list ends by pointing to the import page."""
    shown = ", ".join(values[:limit])
    if len(values) <= limit:
        return shown
    return _("%(values)s, … (all %(count)s on the import page)") % {"values": shown, "count": len(values)}


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


def read_row(
    number: int, cells: dict[str, str], lookups: Lookups, problems: list[Problem], defaults: Defaults
) -> ImportRow | None:
    """Check one row; None when it has problems (they are in `problems`)."""
    before = len(problems)
    reader = RowReader(number, cells, lookups, problems)
    citizenships = _read_countries(reader, "prs_Citizenship")
    home_province, home_former_province = _read_province(reader, "prs_MailingState")
    received_at = _read_received_at(reader)
    row = ImportRow(
        number=number,
        external_id=reader.text("cnx_ExternalId", Case._meta.get_field("external_id").max_length),
        source_reference=reader.text("cnx_Reference", 60),
        full_name=_read_name(reader),
        sex=GENDER_FROM_HTCDS.get(reader.choice("prs_Gender", GENDER_FROM_HTCDS), Sex.UNKNOWN),
        birth_date=reader.date("prs_Birthdate"),
        birth_year=reader.year("cnx_BirthYear"),
        nationality=citizenships[0] if citizenships else None,
        other_citizenships=list(dict.fromkeys(c.alpha2 for c in citizenships[1:] if c != citizenships[0])),
        ethnicity=reader.reference(
            "cnx_Ethnicity",
            lookups.ethnic_groups,
            _("Unknown ethnic group code “%(value)s”: use the two-digit code of one of the 54 groups (01 to 54)."),
        ),
        home_province=home_province,
        home_former_province=home_former_province,
        home_address=reader.text("prs_MailingStreet", 300),
        phone=reader.text("prs_MobilePhone", 30) or reader.text("prs_HomePhone", 30),
        person_status=_read_person_status(reader),
        case_status="",
        decision_org=reader.choice("vic_TraffickinStatusDecisionMakingOrg", DECISION_ORGS),
        received_at=received_at or defaults.now,
        received_at_stated=received_at is not None,
        reception_province=_read_reception_province(reader, defaults),
        came_to_notice=reader.choice("cnx_CameToNotice", CameToNotice.values) or CameToNotice.OTHER,
        return_mode=reader.choice("cnx_ReturnMode", ReturnMode.values),
        destination_country=_read_country(reader, "cnx_DestinationCountry"),
        identified_on=reader.date("cnx_IdentifiedOn"),
        # Absent (None) is derived from the identification date; blank stays blank.
        legal_regime=reader.choice("cnx_LegalRegime", LegalRegime.values) if "cnx_LegalRegime" in cells else None,
        is_child=reader.flag("cnx_IsChild"),
        closure_reason=reader.text("cas_ReasonForCaseClosure"),
        picklists={column: reader.codes(column, list_name) for column, list_name in PICKLIST_COLUMNS.items()},
        incident_key=reader.text("cnx_IncidentId", 100),
        criminal_case_number=reader.text("cnx_CriminalCaseNumber", 60),
        offender_roles=_read_roles(reader),
        consent=reader.flag("con_Consent"),
    )
    if not row.external_id:
        row.external_id, row.external_id_stated = derived_key(cells, row), False
    _read_country(reader, "prs_MailingCountry")
    reader.date("cas_OutgoingReferralDate")
    _read_stay(reader, row)
    _read_followups(reader, row)
    for column in ("cas_ReasonForIncomingReferral", "cas_ReasonForOutgoingReferral"):
        reader.choice(column, REFERRAL_REASONS)
    row.case_status = _read_case_status(reader, row)
    _check_row(reader, row)
    return row if len(problems) == before else None


def _read_stay(reader: RowReader, row: ImportRow) -> None:
    """The three stay columns go together, in order, after the reception."""
    row.facility_code = reader.text("cnx_Facility", 40)
    row.admitted_on = reader.date("cnx_AdmittedOn")
    row.discharged_on = reader.date("cnx_DischargedOn")
    given = [bool(row.facility_code), row.admitted_on is not None, row.discharged_on is not None]
    if any(given) and not all(given):
        column = STAY_COLUMNS[given.index(False)]
        reader.problem(column, _("A past stay needs the facility, the admission day and the discharge day."))
    elif row.admitted_on and row.discharged_on and row.discharged_on < row.admitted_on:
        reader.problem("cnx_DischargedOn", _("The discharge cannot be before the admission."))
    elif row.admitted_on and row.received_at and row.admitted_on < timezone.localdate(row.received_at):
        reader.problem("cnx_AdmittedOn", _("The admission is before the person was received."))


def _read_followups(reader: RowReader, row: ImportRow) -> None:
    """`cnx_FollowUpOn` and `cnx_FollowUpOutcome`: the visits' days and their outcomes, in
    the same order, each list ";"-separated; every visit after the row's past stay ended."""
    days = [part.strip() for part in reader.text("cnx_FollowUpOn").split(";") if part.strip()]
    outcomes = [part.strip() for part in reader.text("cnx_FollowUpOutcome").split(";") if part.strip()]
    if not days and not outcomes:
        return
    if len(days) != len(outcomes):
        reader.problem(
            "cnx_FollowUpOutcome",
            _("Give one outcome for each follow-up visit, in the same order: %(days)s days, %(outcomes)s outcomes.")
            % {"days": len(days), "outcomes": len(outcomes)},
        )
        return
    if len(days) > MAX_PAST_VISITS:
        reader.problem("cnx_FollowUpOn", _("At most %(count)s follow-up visits at once.") % {"count": MAX_PAST_VISITS})
        return
    if not row.facility_code:
        reader.problem(
            "cnx_FollowUpOn",
            _("Follow-up visits need the stay they follow: give cnx_Facility, cnx_AdmittedOn and cnx_DischargedOn."),
        )
    visits, seen = [], set()
    for value, outcome in zip(days, outcomes, strict=True):
        day = _parse_day(value)
        if day is None:
            reader.problem("cnx_FollowUpOn", _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value})
        elif day > reader.today:
            reader.problem("cnx_FollowUpOn", _("The visit of %(value)s is in the future.") % {"value": value})
        elif row.discharged_on and day < row.discharged_on:
            reader.problem("cnx_FollowUpOn", _("The visit of %(value)s is before the discharge.") % {"value": value})
        elif day in seen:
            reader.problem("cnx_FollowUpOn", _("The visit of %(value)s is given twice.") % {"value": value})
        if outcome not in FollowUpOutcome.values:
            reader.problem(
                "cnx_FollowUpOutcome",
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": outcome, "allowed": _briefly(FollowUpOutcome.values)},
            )
        if day is not None:
            seen.add(day)
            visits.append((day, outcome))
    row.followups = visits


def derived_key(cells: dict[str, str], row: ImportRow) -> str:
    """The key of a row without `cnx_ExternalId` (IOM's template has none): the sender, the
    name, the birth date or year and the gender, so the same file imported again updates
    its cases instead of registering everyone twice (decision 80)."""
    parts = [
        cells.get("cas_CaseOwner", ""),
        row.full_name,
        row.birth_date.isoformat() if row.birth_date else str(row.birth_year or ""),
        row.sex,
    ]
    text = "\x1f".join(unicodedata.normalize("NFC", part).casefold() for part in parts)
    return "htcds-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _read_received_at(reader: RowReader) -> datetime.datetime | None:
    """`cnx_ReceivedAt`, else the incoming referral date (the day the sender referred the
    person), else None: the time of the import for a new case, unchanged for an existing one."""
    referred_on = reader.date("cas_IncomingReferralDate")
    if reader.cells.get("cnx_ReceivedAt"):
        return reader.moment("cnx_ReceivedAt")
    if referred_on is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(referred_on, datetime.time()))


def _read_reception_province(reader: RowReader, defaults: Defaults) -> Province | None:
    province, _former = _read_province(reader, "cnx_ReceptionProvince")
    if province is not None or reader.cells.get("cnx_ReceptionProvince"):
        return province
    if defaults.reception_province is None:
        reader.problem(
            "cnx_ReceptionProvince",
            _("Your agency has no province: give the province of reception in this column."),
        )
    return defaults.reception_province


def _read_province(reader: RowReader, column: str) -> tuple[Province | None, FormerProvince | None]:
    """A province by name or code; one of before 2025 maps to the one it joined."""
    value = reader.text(column)
    if not value:
        return None, None
    province, former = reader.lookups.province(value)
    if province is None:
        reader.problem(
            column,
            _(
                "Unknown province “%(value)s”. Use the name or code of one of the 34 provinces, or the name or"
                " GSO code of a province before 07/2025 (listed on the import page), e.g. %(examples)s."
            )
            % {"value": value, "examples": "Lào Cai, LCA, Hà Giang, 02"},
        )
    return province, former


def _read_country(reader: RowReader, column: str) -> Country | None:
    countries = _read_countries(reader, column)
    if len(countries) > 1:
        reader.problem(column, _("One country only."))
    return countries[0] if countries else None


def _read_countries(reader: RowReader, column: str) -> list[Country]:
    """ISO 3166 codes, alpha-2 or alpha-3, ";"-separated (HTCDS citizenship is multiselect)."""
    found = []
    for code in filter(None, (part.strip() for part in reader.text(column).replace(",", ";").split(";"))):
        country = reader.lookups.countries.get(code.upper())
        if country is None:
            reader.problem(
                column,
                _("Unknown country code “%(value)s”. Use ISO 3166 codes, alpha-2 or alpha-3: VN or VNM, CN or CHN, …")
                % {"value": code},
            )
        else:
            found.append(country)
    return found


def _read_name(reader: RowReader) -> str:
    name = join_name(reader.text("prs_FirstName"), reader.text("prs_SecondName"))
    if not name:
        reader.problem("prs_FirstName", _("The person's name is required."))
    elif len(name) > Person._meta.get_field("full_name").max_length:
        reader.problem("prs_FirstName", _("The name is too long."))
    return name


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
    if row.identified_on and row.received_at_stated and row.identified_on < received_on:
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
        if row.external_id in first_row and row.external_id_stated:
            problems.append(
                Problem(
                    row.number,
                    "cnx_ExternalId",
                    _("The same id is on row %(row)s.") % {"row": first_row[row.external_id]},
                )
            )
        elif row.external_id in first_row:
            problems.append(
                Problem(
                    row.number,
                    "prs_FirstName",
                    _(
                        "The same person (case owner, name, birth date and gender) is on row %(row)s. If they are"
                        " two people, tell them apart with a cnx_ExternalId column."
                    )
                    % {"row": first_row[row.external_id]},
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


def check_rows(table: list[list[str]], lookups: Lookups, defaults: "Defaults") -> tuple[list[ImportRow], list[Problem]]:
    """Every row checked; the rows are usable only when the problems are none."""
    if not table:
        return [], [Problem(None, "", _("The file is empty."))]
    columns, problems = check_header(table[0], table[1] if len(table) > 1 else [])
    if problems:
        return [], problems
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {columns[index]: value for index, value in enumerate(values) if index in columns}
        if not any(cells.values()) or is_label_row(cells):
            continue
        row = read_row(number, cells, lookups, problems, defaults)
        if row is not None:
            rows.append(row)
    _check_file(rows, problems)
    if not rows and not problems:
        problems.append(Problem(None, "", _("The file has no rows to import.")))
    return rows, problems
