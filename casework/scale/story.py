"""The life of each case, written as the rows the actions would have written.

A case is registered (`do_create_case`: the owning agency's four role groups are granted what
`ROLE_ACCESS` gives them, the registering caseworker is assigned), moves along the status
machine with a timeline event per move, is referred (`do_send_referral` grants the receiver's
deciding roles `core`; acceptance grants the purpose's classes that the consent covers; decline,
cancellation and completion revoke them), sheltered (hold, admission, intake, services,
discharge and follow-up), linked to an incident with offenders, and supported (claims,
decisions, payments). Every grant is kept as a `CaseGrant` and the guardian rows of each holder
are the union of its active grants, which is what `sync_holder_permissions` computes.

Times come from a plan drawn per case; a step whose time is after "now" has not happened yet,
so recent cases are early in the workflow and old ones mostly closed.
"""

import datetime
import json
import math
import random
import uuid
from dataclasses import dataclass, field

from casework.actions import ADULT_AGE, ALL_CLASSES, ROLE_ACCESS, legal_regime_for
from casework.lib.dates import add_months
from casework.lib.text import normalize_name
from casework.models import CHANGE_PERMISSION, CLASS_PERMISSIONS, Role
from casework.models.people import age_from_birth_year
from casework.scale import names, places
from casework.scale.places import PROVINCES
from casework.scale.world import PARTIAL_INTAKE, PERSONA_FACILITY, TOP_AGENCY, AgencyInfo, FacilityInfo, World
from support.workdays import is_working_day

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
# Asia/Ho_Chi_Minh has kept UTC+7 since 1975: local dates without a time-zone lookup per row.
LOCAL = datetime.timedelta(hours=7)
CORE = "core"
CASEWORKER, SHELTER_STAFF, SUPERVISOR, AGENCY_ADMIN = (
    Role.CASEWORKER,
    Role.SHELTER_STAFF,
    Role.SUPERVISOR,
    Role.AGENCY_ADMIN,
)
ROLE_ORDER = [str(role) for role in Role.values]
FOLLOWUP_SCHEDULE = (1, 3, 6, 12, 24)
YEARS = 5

PLACEMENT = "shelter_placement"
WALK_IN_CLASSES = ("core", "health", "identity", "shelter")

NOTICE_BY_KIND = {
    "border_guard": [("border_handover", 60), ("rescue", 30), ("self_report", 10)],
    "police": [("rescue", 35), ("border_handover", 25), ("self_report", 25), ("ngo_referral", 5), ("other", 10)],
    "social_protection": [("self_report", 40), ("ngo_referral", 30), ("other", 15), ("border_handover", 15)],
    "commune": [("self_report", 85), ("other", 15)],
    "womens_union": [("self_report", 60), ("ngo_referral", 40)],
    "ngo": [("ngo_referral", 100)],
    "coast_guard": [("rescue", 100)],
    "foreign_affairs": [("mission_return", 100)],
}
CROSS_BORDER_ONLY = {"border_handover", "mission_return"}
ROUTES = {
    "CN": ["Hà Khẩu → Vân Nam", "Đông Hưng → Quảng Tây", "Bằng Tường → Quảng Tây", "Mông Tự → Vân Nam", "Hà Bắc"],
    "KH": ["Mộc Bài → Bavet → Phnôm Pênh", "Tịnh Biên → Takeo → Sihanoukville", "Xa Mát → Kampong Cham"],
    "LA": ["Nậm Cắn → Xiêng Khoảng → Viêng Chăn", "Cầu Treo → Bô-ly-khăm-xay", "Lao Bảo → Savannakhet"],
    "TH": ["Lào → Nong Khai → Băng Cốc"],
    "MM": ["Lào → Tam giác vàng → Shan"],
    "MY": ["Campuchia → Thái Lan → Kuala Lumpur"],
    "KR": ["Nội Bài → Incheon"],
    "JP": ["Nội Bài → Narita"],
    "TW": ["Tân Sơn Nhất → Đào Viên"],
}
VILLAGES = ["Nà", "Pả", "Lũng", "Tân", "Đồng", "Bản", "Khe", "Suối", "Phiêng", "Cốc"]
VILLAGE_SECOND = ["Phìn", "Chang", "Mới", "Trên", "Dưới", "Hạ", "Cáo", "Pao", "Chải", "Sáng"]
LANGUAGES = {
    "08": "Tiếng Mông, tiếng Việt",
    "09": "Tiếng Dao, tiếng Việt",
    "03": "Tiếng Thái, tiếng Việt",
    "05": "Tiếng Khơ-me, tiếng Việt",
    "02": "Tiếng Tày, tiếng Việt",
    "07": "Tiếng Nùng, tiếng Việt",
}
REASONS = {
    "verifying": [
        "Bắt đầu xác minh ban đầu",
        "Đã phối hợp công an xác minh thông tin nhân thân",
        "Tiếp nhận, xác minh",
    ],
    "identifying": ["Đủ căn cứ ban đầu, chuyển xác định nạn nhân", "Đã xác minh nhân thân, tiến hành xác định"],
    "identified": [
        "Giấy tờ của cơ quan chức năng nước ngoài; lời khai phù hợp",
        "Lời khai phù hợp với kết quả xác minh",
        "Được giải cứu cùng các nạn nhân khác",
        "Tài liệu của cơ quan tiến hành tố tụng",
    ],
    "not_identified": [
        "Không đủ căn cứ xác định là nạn nhân",
        "Xuất cảnh trái phép để lao động, không bị mua bán",
    ],
    "supporting": ["Bắt đầu hỗ trợ theo chế độ", "Lập kế hoạch hỗ trợ"],
    "reintegrating": ["Trở về gia đình, chuyển hỗ trợ tái hòa nhập", "Đã ổn định, hỗ trợ tái hòa nhập tại địa phương"],
    "closed": [
        "Tái hòa nhập ổn định, kết thúc hồ sơ",
        "Đã hoàn thành hỗ trợ, kết thúc hồ sơ",
        "Chuyển về địa phương nơi cư trú theo dõi",
    ],
    "closed_early": ["Trùng với hồ sơ đã có", "Mất liên lạc, không xác minh được", "Người trình báo rút lại trình báo"],
}
DISCHARGE = [
    ("family", 60, "Gia đình đón về, địa phương đã xác nhận an toàn"),
    ("relatives", 15, "Về ở với người thân"),
    ("independent", 10, "Đã có việc làm, tự lập"),
    ("left", 8, "Tự nguyện rời cơ sở"),
    ("hospital", 4, "Chuyển điều trị tại bệnh viện"),
    ("other", 3, "Chuyển nơi ở khác theo nguyện vọng"),
]
INTAKE_SECTIONS = ("arrival", "needs", "health", "belongings", "risk", "rules", "consent", "contact", "goals")
CLAIM_ITEMS = {
    # regime: [(item code, who: adult|child|any, weight)]
    "law_2024": [("l53-i", "adult", 45), ("l53-k", "adult", 40), ("l53-h", "child", 15)],
    "law_2011": [("d09-vocational", "adult", 50), ("d09-hardship", "adult", 35), ("d09-education", "child", 15)],
}
AMOUNTS = {
    "l53-i": (2_000_000, 6_000_000),
    "l53-k": (3_000_000, 5_000_000),
    "d09-vocational": (1_500_000, 4_000_000),
    "d09-hardship": (3_000_000, 3_000_000),
}


def local_date(at: datetime.datetime) -> datetime.date:
    return (at + LOCAL).date()


def local_at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC) - LOCAL


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def vnd(amount: int) -> str:
    """`casework.lib.text.vnd`."""
    return f"{amount:,} ₫".replace(",", ".")


class Grant:
    __slots__ = (
        "group",
        "user",
        "classes",
        "can_change",
        "source",
        "ref",
        "by",
        "at",
        "revoked_at",
        "revoked_by",
        "purpose",
    )

    def __init__(self, group, user, classes, can_change, source, ref, by, at, purpose=""):
        self.group, self.user, self.classes, self.can_change = group, user, classes, can_change
        self.source, self.ref, self.by, self.at, self.purpose = source, ref, by, at, purpose
        self.revoked_at = self.revoked_by = None


@dataclass
class Case:
    """What the generator keeps about one case while writing its rows."""

    id: int
    reference: str
    owner: AgencyInfo
    province: str
    received_at: datetime.datetime
    created_at: datetime.datetime
    sex: str
    age: int | None
    child: bool
    vietnamese: bool
    poor: bool | None
    home: str
    destination: str
    assigned: int | None
    grants: list = field(default_factory=list)
    consents: list = field(default_factory=list)  # (agency id, classes, at)
    last_at: datetime.datetime | None = None
    with_child: bool = False
    incident: int | None = None
    path: list = field(default_factory=list)
    closure_reason: str = ""
    due_at: datetime.datetime | None = None
    overdue_at: datetime.datetime | None = None


@dataclass
class Group:
    owner: AgencyInfo
    province: str
    notice: str
    destination: str
    forms: list[str]
    size: int
    incident: bool


class Stories:
    """Writes the rows of every case, group by group, into `rows` (table name → tuples)."""

    def __init__(self, world: World, ref, ids, rng: random.Random, now: datetime.datetime, rows, counters):
        self.world, self.ref, self.ids, self.rng, self.now, self.rows = world, ref, ids, rng, now, rows
        self.today = local_date(now)
        self.counters = counters  # (province code, year) → last sequence number used
        self.labels = ref.labels
        self.descriptions: dict = {}
        self.bed_state: dict[int, tuple] = {}  # bed id → (held_for, held_until, occupied_by)
        self.canbo = next(uid for uid, (username, _n, _a) in world.users.items() if username == "scale.canbo")
        self.canbo_open = False
        self.province_codes = list(PROVINCES)
        self.province_weights = [profile.weight for profile in PROVINCES.values()]
        self.facility_order = self._facility_order()
        self.criminal_numbers = 0
        self.pinned = 0
        self.receipts = 0

    # Reception times and groups -----------------------------------------------------------

    def reception_times(self, count: int) -> list[datetime.datetime]:
        """Spread over five years, rising towards now (more cases are recorded each year)."""
        span = YEARS * 365.25 * 86400
        times = []
        for _ in range(count):
            share = self.rng.random()
            if self.rng.random() < 0.5:
                share = math.sqrt(share)
            times.append(self.now - datetime.timedelta(seconds=span * (1 - share)) - 30 * MINUTE)
        times.sort()
        return times

    def _group(self) -> Group:
        rng, world = self.rng, self.world
        draw = rng.random()
        if draw < 0.025:
            owner = world.national
            province = rng.choices(self.province_codes, self.province_weights)[0]
            notice = "hotline_111"
        elif draw < 0.045:
            owner = rng.choices([m for m, _w in world.missions], [w for _m, w in world.missions])[0]
            province = rng.choices(self.province_codes, [p.weight * bool(p.borders) for p in PROVINCES.values()])[0]
            notice = "mission_return"
        else:
            province = rng.choices(self.province_codes, self.province_weights)[0]
            agencies, weights = zip(*world.owners[province], strict=True)
            owner = rng.choices(agencies, weights)[0]
            notice = weighted(rng, NOTICE_BY_KIND.get(owner.kind, NOTICE_BY_KIND["social_protection"]))
        if owner.kind == "foreign_affairs":
            destination = owner.country
        elif notice not in CROSS_BORDER_ONLY and rng.random() < 0.075:
            destination = "VN"
        else:
            borders = sorted(PROVINCES[province].borders)
            destination = weighted(rng, places.DESTINATIONS[rng.choice(borders) if borders else ""])
        forms_table = places.EXPLOITATION.get(destination, places.EXPLOITATION[""])
        forms = [weighted(rng, forms_table)]
        if rng.random() < 0.15:
            second = weighted(rng, forms_table)
            if second != forms[0]:
                forms.append(second)
        size = weighted(rng, [(1, 45), (2, 25), (3, 15), (4, 9), (5, 6)])
        incident = size > 1 or rng.random() < 0.5
        return Group(owner, province, notice, destination, forms, size, incident)

    def run(self, count: int, flush) -> None:
        """Generate `count` cases; `flush()` writes what has accumulated, to bound memory."""
        pinned_pending = max(4, min(40, count // 250))
        pins = min(count, pinned_pending + 1)
        times = self.reception_times(count - pins)
        index = 0
        while index < len(times):
            group = self._group()
            index += self._write_group(group, times[index], min(group.size, len(times) - index), len(times) - index)
            if len(self.rows["case"]) >= flush.chunk:
                flush()
        for number in range(pins):
            self._pinned(resident=number == pins - 1)
        flush()

    # One group of cases (one incident, or one case without an incident) -------------------

    def _write_group(self, group: Group, at: datetime.datetime, size: int, budget: int, *, pin: str = "") -> int:
        """Write the group's cases (and accompanying children while the budget allows);
        returns how many cases were written."""
        rng = self.rng
        incident = None
        if group.incident:
            linked = at + datetime.timedelta(days=rng.uniform(1.5, 20))
            if linked <= self.now - HOUR:
                incident = (self.ids.next("incident"), linked)
        written, cases = 0, []
        for member in range(size):
            received = at if member == 0 else at + datetime.timedelta(seconds=rng.randint(0, 3 * 3600))
            received = min(received, self.now - 20 * MINUTE)
            may_have_child = budget - written > size - member and rng.random() < 0.03
            case = self._write_case(group, received, pin=pin, incident=incident, may_have_child=may_have_child)
            cases.append(case)
            written += 1
            if case.with_child:
                self._write_case(group, received + 2 * MINUTE, mother=case)
                written += 1
        if incident is not None:
            self._incident(group, cases, *incident)
        return written

    def _pinned(self, *, resident: bool) -> None:
        """The last cases are pinned so that the persona contract holds at any size: recent Lào
        Cai police cases assigned to scale.canbo, with placements pending at the persona's
        facility, and one resident there."""
        group = Group(
            self.world.agencies[TOP_AGENCY], places.TOP_PROVINCE, "border_handover", "CN", ["ForcedMarriage"], 1, False
        )
        days = self.rng.uniform(20, 30) if resident else self.rng.uniform(2, 12)
        self._write_group(
            group, self.now - datetime.timedelta(days=days), 1, 1, pin="resident" if resident else "pending"
        )

    # A case ------------------------------------------------------------------------------------

    def _write_case(self, group, received, *, pin="", mother=None, incident=None, may_have_child=False) -> Case:
        rng, world, now = self.rng, self.world, self.now
        owner, province = group.owner, group.province
        created = min(received + datetime.timedelta(minutes=rng.randint(10, 30 * 60)), now - MINUTE)
        person = self._person(group, received, pin=pin, mother=mother)
        sex, age = person["sex"], person["age"]
        child = age is not None and age < ADULT_AGE
        year = local_date(received).year
        self.counters[(province, year)] = self.counters.get((province, year), 0) + 1
        assigned = None
        if pin:
            assigned = self.canbo
        elif mother is not None:
            assigned = mother.assigned
        elif rng.random() < 0.92:
            workers, weights = world.caseworker_weights[owner.id]
            assigned = rng.choices(workers, weights)[0]
        case = Case(
            id=self.ids.next("case"),
            reference=f"{province}-{year}-{self.counters[(province, year)]:06d}",
            owner=owner,
            province=province,
            received_at=received,
            created_at=created,
            sex=sex,
            age=age,
            child=child,
            vietnamese=person["vietnamese"],
            poor=person["poor"],
            home=person["home"],
            destination=group.destination,
            assigned=assigned,
        )
        case.with_child = may_have_child and sex == "female" and not child and group.destination != "VN"
        path = self._plan(case, pin=pin, mother=mother)
        specs = [] if mother is not None else self._early_specs(case, group)
        shelter = None if mother is not None else self._shelter_plan(case, path, specs, pin=pin)
        self._finish_path(case, path, shelter)
        kept = [step for step in path if step[1] <= now]
        status = kept[-1][0] if kept else "reported"
        # The busiest agency keeps an open case assigned to the persona caseworker.
        if owner.code == TOP_AGENCY and status != "closed" and not self.canbo_open and mother is None:
            case.assigned = self.canbo
            self.canbo_open = True
        creator = case.assigned or owner.pick(rng, SUPERVISOR, AGENCY_ADMIN)
        self._created(case, creator)
        self._transitions(case, kept)
        if mother is None:
            specs += self._late_specs(case, kept, specs)
        specs.sort(key=lambda spec: spec["at"])
        for number, spec in enumerate(specs, start=1):
            self._referral(case, spec, number)
        if shelter:
            self._shelter(case, shelter)
        if incident is not None:
            case.incident = incident[0]
            self.event(case, "incident", incident[1], self.actor(case), owner.id, sensitivity="investigation")
        identified = next((step for step in kept if step[0] in ("identified", "not_identified")), None)
        is_victim = identified is not None and identified[0] == "identified"
        regime = legal_regime_for(local_date(identified[1])) if is_victim else ""
        if is_victim and mother is None and case.vietnamese:
            self._claims(case, kept, identified[1], regime)
        self._case_row(case, group, person, kept, status, identified, regime, mother=mother)
        self._permissions(case)
        return case

    def _person(self, group: Group, received: datetime.datetime, *, pin: str, mother: "Case | None") -> dict:
        rng = self.rng
        if mother is not None:
            age, female = rng.randint(0, 8), rng.random() < 0.5
        elif pin or rng.random() >= 0.33:
            labour = "ForcedLabour" in group.forms or "Servitude" in group.forms
            age = min(18 + int(rng.expovariate(1 / 9)), 55)
            female = pin != "" or rng.random() < (0.78 if labour else 0.98)
        else:
            age = weighted(
                rng, [(8, 1), (9, 1), (10, 2), (11, 2), (12, 3), (13, 5), (14, 7), (15, 9), (16, 10), (17, 10)]
            )
            female = rng.random() < 0.82
        sex = "female" if female else "male"
        if rng.random() < 0.005 and not pin:
            sex = "unknown"
        received_on = local_date(received)
        home = group.province if rng.random() < 0.75 else rng.choices(self.province_codes, self.province_weights)[0]
        if mother is not None:
            home = mother.home
        region = PROVINCES[home].region
        foreign = group.destination == "VN" and rng.random() < 0.2
        nationality = rng.choice(["KH", "LA", "CN"]) if foreign else "VN"
        stateless = not foreign and rng.random() < 0.003
        ethnicity = None if foreign else weighted(rng, places.ETHNICITIES[region])
        full_name = names.person_name(rng, female=sex == "female", ethnicity_code=ethnicity)
        other_names = names.alias(rng) if rng.random() < 0.08 else ""
        birth_date = birth_year = None
        known = rng.random()
        if pin or known < 0.65:
            birth_date = add_months(received_on, -12 * age) - datetime.timedelta(days=rng.randint(1, 364))
            birth_year = birth_date.year
            before_birthday = (received_on.month, received_on.day) < (birth_date.month, birth_date.day)
            age = received_on.year - birth_date.year - before_birthday
        elif known < 0.97:
            # The year that the app's rule (decision 90) turns back into this age.
            birth_year = received_on.year - age
            if age_from_birth_year(birth_year, received_on) != age:
                birth_year -= 1
        else:
            age = None
        document_type, document_number = "", ""
        if age is not None and age >= 14 and rng.random() < 0.55:
            document_type, document_number = (
                "cccd",
                f"0{rng.randint(10, 96)}{rng.randint(1, 3)}{rng.randint(0, 10**8 - 1):08d}",
            )
        elif rng.random() < 0.08:
            document_type, document_number = "passport", f"C{rng.randint(0, 10**7 - 1):07d}"
        elif age is not None and age < 14 and rng.random() < 0.3:
            document_type, document_number = "birth_certificate", f"{rng.randint(1, 999)}{rng.randint(2000, 2024)}"
        former = None
        if received_on < datetime.date(2025, 7, 1) and rng.random() < 0.8 and home in self.ref.former:
            former = rng.choice(self.ref.former[home])
        child = age is not None and age < ADULT_AGE
        guardian = ("", "", "")
        if child:
            family = full_name.split(" ")[0]
            guardian = (
                f"{family} {'Văn' if rng.random() < 0.5 else 'Thị'} {rng.choice(names.MALE_GIVEN['kinh'])}",
                rng.choice(["bố", "mẹ", "bà nội", "ông ngoại", "anh trai"]),
                f"09{rng.randint(0, 10**8 - 1):08d}" if rng.random() < 0.6 else "",
            )
        poor = weighted(rng, [(True, 45), (False, 30), (None, 25)])
        person_id = self.ids.next("person")
        self.rows["person"].append(
            (
                person_id,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                full_name,
                other_names,
                normalize_name(f"{full_name} {other_names}"),
                normalize_name(full_name),
                sex,
                birth_date,
                birth_year,
                self.ref.ethnic.get(ethnicity) if ethnicity else None,
                None if stateless else self.ref.countries[nationality],
                document_type,
                document_number,
                self.ref.provinces[home].pk,
                former,
                f"Thôn {rng.choice(VILLAGES)} {rng.choice(VILLAGE_SECOND)}, {self.ref.provinces[home].name}",
                f"0{rng.choice('389')}{rng.randint(0, 10**8 - 1):08d}" if rng.random() < 0.45 else "",
                LANGUAGES.get(ethnicity, "Tiếng Việt") if not foreign else "",
                "Khiếm thính" if rng.random() < 0.01 else "",
                poor,
                stateless,
                *guardian,
                None,  # home commune: the scale world has provinces, not communes
                None,  # created_at, set with the case below
            )
        )
        return {
            "id": person_id,
            "row": len(self.rows["person"]) - 1,
            "sex": sex,
            "age": age,
            "vietnamese": nationality == "VN" or stateless,
            "poor": poor,
            "home": home,
        }

    # Registration and grants ---------------------------------------------------------------

    def event(self, case: Case, kind, at, actor, agency, reason="", old="", new="", sensitivity=CORE) -> None:
        self.rows["caseevent"].append((case.id, kind, old, new, reason, actor, agency, sensitivity, at, at))
        if case.last_at is None or at > case.last_at:
            case.last_at = at

    def _description(self, grant: Grant) -> str:
        """`_grant_description`: "Agency — role: classes" in the system language."""
        key = (grant.group, grant.user, grant.classes)
        text = self.descriptions.get(key)
        if text is None:
            if grant.group is not None:
                agency, role = self.world.group_owner[grant.group]
                holder = f"{agency.name} — {self.labels.roles[role]}"
            else:
                username, full_name, _agency = self.world.users[grant.user]
                holder = full_name or username
            text = f"{holder}: {', '.join(self.labels.classes[value] for value in grant.classes)}"
            self.descriptions[key] = text
        return text

    def grant(
        self, case, *, classes, can_change, source, ref, by, at, agency, group=None, user=None, purpose=""
    ) -> Grant:
        grant = Grant(group, user, tuple(sorted(set(classes))), can_change, source, ref, by, at, purpose)
        case.grants.append(grant)
        self.event(case, "grant", at, by, agency, self._description(grant))
        return grant

    def revoke(self, case, grant: Grant, *, by, at, agency) -> None:
        if grant.revoked_at is not None:
            return
        grant.revoked_at, grant.revoked_by = at, by
        self.event(case, "revoke", at, by, agency, self._description(grant))

    def _created(self, case: Case, creator: int) -> None:
        owner, at = case.owner, case.created_at
        self.event(case, "created", at, creator, owner.id, new="reported")
        for role in ROLE_ORDER:
            classes, can_change = ROLE_ACCESS[role]
            self.grant(
                case,
                group=owner.groups[role],
                classes=classes,
                can_change=can_change,
                source="own_agency",
                ref=owner.code,
                by=creator,
                at=at,
                agency=owner.id,
            )
        if case.assigned:
            self._assign(case, case.assigned, creator, at)

    def _assign(self, case: Case, user: int, actor: int, at) -> None:
        username, full_name, _agency = self.world.users[user]
        self.grant(
            case,
            user=user,
            classes=ALL_CLASSES,
            can_change=True,
            source="assignment",
            ref=username,
            by=actor,
            at=at,
            agency=case.owner.id,
        )
        self.event(case, "assigned", at, actor, case.owner.id, full_name or username)

    def actor(self, case: Case) -> int:
        """Who acts for the owning agency: the assigned caseworker, else a colleague."""
        return case.assigned or case.owner.pick(self.rng, CASEWORKER, SUPERVISOR)

    def _permissions(self, case: Case) -> None:
        """The guardian rows of each holder: the union of its active grants."""
        held: dict[tuple, set[str]] = {}
        for grant in case.grants:
            wanted = held.setdefault((grant.group, grant.user), set())
            if grant.revoked_at is None:
                wanted.update(CLASS_PERMISSIONS[value] for value in grant.classes)
                if grant.can_change:
                    wanted.add(CHANGE_PERMISSION)
            self.rows["casegrant"].append(
                (
                    case.id,
                    grant.group,
                    grant.user,
                    self.world.classes_json(grant.classes),
                    grant.can_change,
                    grant.source,
                    grant.ref,
                    grant.by,
                    grant.at,
                    grant.revoked_at,
                    grant.revoked_by,
                    grant.purpose,
                )
            )
        permissions = self.ref.permissions
        for (group, user), codenames in held.items():
            if group is not None:
                rows = self.rows["casegroupobjectpermission"]
                rows.extend((case.id, group, permissions[codename]) for codename in codenames)
            else:
                rows = self.rows["caseuserobjectpermission"]
                rows.extend((case.id, user, permissions[codename]) for codename in codenames)

    # The status path -------------------------------------------------------------------------

    def _plan(self, case: Case, *, pin: str, mother: "Case | None") -> list[list]:
        """[(status, at, kind, reason, actor override)] along the status machine."""
        rng = self.rng
        if mother is not None:
            return [[step[0], step[1] + 2 * MINUTE, step[2], step[3], None] for step in mother.path]
        at = case.created_at + datetime.timedelta(days=rng.expovariate(1 / 1.2))
        if rng.random() < 0.03:
            at += datetime.timedelta(days=rng.uniform(4, 60))
        if pin:
            at = case.created_at + datetime.timedelta(hours=rng.uniform(2, 20))
        path = []
        if not pin and rng.random() < 0.02:
            return [["closed", at, "transition", rng.choice(REASONS["closed_early"]), None]]
        path.append(["verifying", at, "transition", rng.choice(REASONS["verifying"]), None])
        at += datetime.timedelta(days=rng.uniform(1, 10) if not pin else rng.uniform(0.3, 1))
        if not pin and rng.random() < 0.03:
            path.append(["closed", at, "transition", rng.choice(REASONS["closed_early"]), None])
            return path
        path.append(["identifying", at, "transition", rng.choice(REASONS["identifying"]), None])
        at += datetime.timedelta(days=rng.uniform(3, 45) if not pin else rng.uniform(1, 4))
        if pin == "pending":
            at = self.now + 30 * DAY  # still being identified
        identified = pin == "resident" or rng.random() < 0.88
        outcome = "identified" if identified else "not_identified"
        path.append([outcome, at, "identification", rng.choice(REASONS[outcome]), None])
        if not identified:
            if rng.random() < 0.9:
                path.append(
                    [
                        "closed",
                        at + datetime.timedelta(days=rng.uniform(1, 30)),
                        "transition",
                        rng.choice(REASONS["closed_early"]),
                        None,
                    ]
                )
            return path
        at += datetime.timedelta(days=rng.uniform(0, 14))
        path.append(["supporting", at, "transition", rng.choice(REASONS["supporting"]), None])
        at += datetime.timedelta(days=rng.uniform(20, 200))
        path.append(["reintegrating", at, "transition", rng.choice(REASONS["reintegrating"]), None])
        if rng.random() < 0.9:
            at += datetime.timedelta(days=rng.uniform(60, 730))
            path.append(["closed", at, "transition", rng.choice(REASONS["closed"]), None])
        return path

    def _finish_path(self, case: Case, path: list[list], shelter: dict | None) -> None:
        """A discharge moves an identified case to support and reintegration (decision 32)."""
        if shelter and shelter.get("discharged"):
            at, staff, facility = shelter["discharged"], shelter["staff"], shelter["facility"]
            for step in path:
                if step[0] in ("supporting", "reintegrating"):
                    step[1], step[3], step[4] = at, self.labels.discharge_move, (staff, facility.agency.id)
                elif step[0] == "closed" and step[1] <= at:
                    step[1] = at + datetime.timedelta(days=self.rng.uniform(60, 730))
        elif shelter:
            for step in path:
                if step[0] in ("supporting", "reintegrating", "closed"):
                    step[1] = self.now + 365 * DAY  # still in the shelter
        case.path = path

    def _transitions(self, case: Case, kept: list[list]) -> None:
        old = "reported"
        due = self._due("reported", case.received_at)
        for status, at, kind, reason, by in kept:
            if due is not None and at > due + MINUTE:
                self.event(case, "overdue", due + MINUTE, None, None, self.labels.case_status[old])
            actor, agency = by if by else (self.actor(case), case.owner.id)
            self.event(case, kind, at, actor, agency, reason, old=old, new=status)
            old = status
            due = self._due(status, at)
        case.closure_reason = kept[-1][3] if kept and kept[-1][0] == "closed" else ""
        case.due_at = due if kept else self._due("reported", case.received_at)
        case.overdue_at = None
        if case.due_at is not None and case.due_at + MINUTE <= self.now:
            case.overdue_at = case.due_at + MINUTE
            self.event(case, "overdue", case.overdue_at, None, None, self.labels.case_status[old])

    def _due(self, status: str, since: datetime.datetime) -> datetime.datetime | None:
        hours = self.ref.deadline_hours.get(status)
        return since + datetime.timedelta(hours=hours) if hours else None

    def _case_row(self, case, group, person, kept, status, identified, regime, *, mother) -> None:
        rng, ref = self.rng, self.ref
        received_on = local_date(case.received_at)
        absent_from = received_on - datetime.timedelta(days=rng.randint(20, 1500))
        cross_border = group.destination != "VN"
        if not cross_border:
            return_mode = "not_applicable"
        elif group.notice == "border_handover":
            return_mode = "handed_over"
        elif group.notice == "mission_return":
            return_mode = "handed_over" if rng.random() < 0.7 else "rescued"
        elif group.notice == "rescue":
            return_mode = "rescued"
        else:
            return_mode = "self_returned" if rng.random() < 0.7 else "rescued"
        owner = case.owner
        if group.notice in ("border_handover", "rescue") and PROVINCES[case.province].gates:
            place = rng.choice(PROVINCES[case.province].gates)
        else:
            place = f"Trụ sở {owner.name}"
        route = ""
        if cross_border:
            route = f"{ref.provinces[case.province].name} → {rng.choice(ROUTES.get(group.destination, ['']))}".rstrip(
                " →"
            )
        if mother is not None:
            person_status = "accompanying_child"
        elif identified is None:
            person_status = "in_identification"
        else:
            person_status = "victim" if identified[0] == "identified" else "not_victim"
        authority, document, identified_on, deciding_agency = "", "", None, None
        if identified is not None:
            decider = self.world.police.get(case.province) or owner
            authority, deciding_agency = decider.name, decider.id
            document = f"{rng.randint(1, 999)}/XN-CA"
            identified_on = local_date(identified[1]) if identified[0] == "identified" else None
        status_changed = kept[-1][1] if kept else case.created_at
        abroad = owner.kind == "foreign_affairs" and status in ("reported", "verifying", "identifying")
        self.rows["case"].append(
            (
                case.id,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                case.reference,
                person["id"],
                owner.id,
                case.assigned,
                status,
                status_changed,
                person_status,
                regime,
                group.notice,
                return_mode,
                case.received_at,
                ref.provinces[case.province].pk,
                place,
                ref.countries[group.destination] if cross_border else ref.countries["VN"],
                route,
                absent_from,
                received_on - datetime.timedelta(days=rng.randint(0, 5)) if rng.random() < 0.8 else None,
                case.child,
                case.age if case.age is not None and case.age >= 0 else None,
                abroad,
                mother.id if mother is not None else None,
                case.incident,
                identified_on,
                authority,
                document,
                "",
                case.due_at,
                case.overdue_at,
                case.closure_reason,
                case.created_at,
                max(case.last_at or case.created_at, status_changed),
                None,  # reception commune: the scale world has provinces, not communes
                received_on if cross_border else None,
                deciding_agency,
                "[]",
                # The verification clock (issue 14) is not simulated: the scale stories end
                # before it and a seeded clock would flag every old case at once.
                None,
                None,
                None,
                None,
                "",
                None,
                False,  # historic: the stories are the live system's own records
            )
        )
        person_row = self.rows["person"][person["row"]]
        self.rows["person"][person["row"]] = (*person_row[:-1], case.created_at)
        for code in group.forms:
            self.rows["case_exploitation_forms"].append((case.id, ref.picklist[("exploitation_type", code)]))
        for code in {weighted(rng, places.MEANS_OF_CONTROL) for _ in range(rng.randint(0, 3))}:
            self.rows["case_means_of_control"].append((case.id, ref.picklist[("means_of_control", code)]))
        if rng.random() < 0.7:
            code = weighted(rng, places.RECRUITMENT)
            self.rows["case_recruitment_methods"].append((case.id, ref.picklist[("recruitment_method", code)]))

    # Referrals ---------------------------------------------------------------------------------

    def _steps(self, purpose, sent: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
        """A referral's moves: acknowledged, then accepted, declined or cancelled, then perhaps
        handed over and completed. Some steps are late (flagged overdue, maybe escalated)."""
        rng = self.rng
        steps = [("sent", sent)]
        if rng.random() < 0.02:
            return [*steps, ("cancelled", sent + datetime.timedelta(hours=rng.uniform(0.5, 10)))]
        at = sent + self._delay(purpose.acknowledge_hours or 24)
        steps.append(("received", at))
        at += self._delay(purpose.decide_hours or 48)
        draw = rng.random()
        if draw < 0.09:
            return [*steps, ("declined", at)]
        if draw < 0.12:
            return [*steps, ("cancelled", at)]
        steps.append(("accepted", at))
        if rng.random() < 0.12:
            return steps
        at += self._delay(purpose.handover_hours or 72)
        steps.append(("handed_over", at))
        if rng.random() < 0.2:
            return steps
        return [*steps, ("completed", at + datetime.timedelta(days=rng.uniform(3, 90)))]

    def _delay(self, hours: int) -> datetime.timedelta:
        """Most steps are taken in time; about one in eight is late, some very late."""
        if self.rng.random() < 0.12:
            return datetime.timedelta(hours=hours * self.rng.uniform(1.05, 3) + self.rng.uniform(0, 30))
        return datetime.timedelta(hours=hours * self.rng.uniform(0.05, 0.9))

    def _spec(self, purpose_code: str, sender: AgencyInfo, receiver: AgencyInfo, at, steps=None, **extra) -> dict:
        purpose = self.ref.purposes[purpose_code]
        spec = {"purpose": purpose, "from": sender, "to": receiver, "at": at}
        spec["steps"] = steps if steps is not None else self._steps(purpose, at)
        if purpose.consent_required:
            classes = set(purpose.classes)
            if self.rng.random() < 0.1 and len(classes) > 2:
                classes.discard(sorted(classes - {CORE, "identity"})[0])
            spec["consent"] = (sorted(classes), at - datetime.timedelta(minutes=self.rng.uniform(5, 600)))
        spec.update(extra)
        return spec

    @staticmethod
    def _accepted(specs: list[dict], by: datetime.datetime) -> AgencyInfo | None:
        """The social-protection agency that accepted the case for protection, if it had by then."""
        for spec in specs:
            if spec["purpose"].code in ("protection_support", "repatriation_reception"):
                for status, at in spec["steps"]:
                    if status == "accepted" and at <= by and spec["to"].province:
                        return spec["to"]
        return None

    def _early_specs(self, case: Case, group: Group) -> list[dict]:
        rng, world, owner, purposes = self.rng, self.world, case.owner, self.ref.purposes
        specs = []
        sent = case.created_at + datetime.timedelta(minutes=rng.uniform(5, 720))
        if (
            group.notice in CROSS_BORDER_ONLY
            and owner.kind in purposes["repatriation_reception"].sender_kinds
            and rng.random() < 0.35
        ):
            to = world.national if owner.kind == "foreign_affairs" and rng.random() < 0.5 else world.social[case.home]
            if to is not owner:
                specs.append(self._spec("repatriation_reception", owner, to, sent))
        elif owner.kind in purposes["protection_support"].sender_kinds and rng.random() < 0.25:
            specs.append(self._spec("protection_support", owner, world.social[case.province], sent))
        if owner.kind in purposes["verification"].sender_kinds and rng.random() < 0.3:
            sent = case.created_at + datetime.timedelta(hours=rng.uniform(1, 48))
            specs.append(self._spec("verification", owner, world.police[case.province], sent))
        return [spec for spec in specs if spec["at"] <= self.now]

    def _late_specs(self, case: Case, kept: list[list], early: list[dict]) -> list[dict]:
        rng, world, owner, purposes, now = self.rng, self.world, case.owner, self.ref.purposes, self.now
        specs = []
        reached = {step[0]: step[1] for step in kept}

        def sender_for(code: str, at) -> AgencyInfo | None:
            if owner.kind in purposes[code].sender_kinds:
                return owner
            accepted = self._accepted(early, at)
            return accepted if accepted and accepted.kind in purposes[code].sender_kinds else None

        if "reintegrating" in reached and rng.random() < 0.15:
            at = reached["reintegrating"] + datetime.timedelta(days=rng.uniform(1, 20))
            to = rng.choice(world.communes[case.home]) if rng.random() < 0.6 else world.womens_union[case.home]
            sender = sender_for("reintegration_followup", at)
            if sender is not None and sender is not to and at <= now:
                specs.append(self._spec("reintegration_followup", sender, to, at))
        if "identified" in reached and rng.random() < 0.04:
            at = reached["identified"] + datetime.timedelta(days=rng.uniform(5, 90))
            to = rng.choice(world.ngos) if rng.random() < 0.5 else world.womens_union[case.home]
            sender = sender_for("legal_aid", at)
            if sender is not None and sender is not to and at <= now:
                specs.append(self._spec("legal_aid", sender, to, at))
        if rng.random() < 0.02:
            at = case.created_at + datetime.timedelta(days=rng.uniform(1, 30))
            to = world.social[case.province]
            sender = sender_for("medical", at)
            if sender is to:
                to = rng.choice(world.ngos)
            if sender is not None and sender is not to and at <= now:
                specs.append(self._spec("medical", sender, to, at))
        if rng.random() < 0.004 and owner.kind in purposes["protection_support"].sender_kinds:
            at = case.created_at + datetime.timedelta(hours=rng.uniform(1, 500))
            if at <= now:
                specs.append(
                    self._spec("protection_support", owner, world.social[case.province], at, steps=[("draft", at)])
                )
        return specs

    def _referral(self, case: Case, spec: dict, number: int) -> None:
        rng, now, labels = self.rng, self.now, self.labels
        purpose, sender, receiver = spec["purpose"], spec["from"], spec["to"]
        referral_id = self.ids.next("referral")
        reference = f"{case.reference}/R{number}"
        sent_by = self.actor(case) if sender is case.owner else sender.pick(rng, CASEWORKER, SUPERVISOR)
        facility = receiver.facility
        receiving = (
            receiver.pick(rng, SHELTER_STAFF, CASEWORKER) if facility else receiver.pick(rng, CASEWORKER, SUPERVISOR)
        )
        deciding = (
            receiver.pick(rng, SHELTER_STAFF, SUPERVISOR) if facility else receiver.pick(rng, SUPERVISOR, CASEWORKER)
        )
        note = NOTES[purpose.code]
        if "consent" in spec:
            classes, at = spec["consent"]
            self._consent(
                case, classes, receiver, max(at, case.created_at), self.actor(case), PURPOSE_OF_CONSENT[purpose.code]
            )
        steps = spec["steps"]
        if steps[0][0] == "draft":
            self.rows["referral"].append(
                (
                    referral_id,
                    self._uuid(),
                    reference,
                    case.id,
                    purpose.id,
                    sender.id,
                    receiver.id,
                    "draft",
                    steps[0][1],
                    note,
                    "",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    sent_by,
                    steps[0][1],
                )
            )
            return
        events = self.rows["referralevent"]
        grants: list[Grant] = []
        status, since, due = "draft", steps[0][1], None
        decline_reason, assigned = "", None
        for new, at in steps:
            if at > now:
                break
            self._overdue(referral_id, purpose, sender, receiver, status, due, at)
            actor, actor_agency = {
                "sent": (sent_by, sender),
                "received": (receiving, receiver),
                "accepted": (deciding, receiver),
                "declined": (deciding, receiver),
                "handed_over": (receiving, receiver),
                "completed": (sent_by, sender),
                "cancelled": (sent_by, sender),
            }[new]
            reason = ""
            if new == "sent":
                reason = note
            elif new == "declined":
                reason = decline_reason = rng.choice(DECLINE_REASONS)
            elif new == "cancelled":
                reason = rng.choice(CANCEL_REASONS)
            elif new == "handed_over":
                reason = facility.label if facility else f"Trụ sở {receiver.name}"
            events.append((referral_id, status, new, reason, actor, actor_agency.id, at))
            label = f"{reference} · {purpose.name} · {labels.referral_status[new]}"
            self.event(case, "referral", at, actor, actor_agency.id, label)
            if new == "sent":
                roles = (CASEWORKER, SUPERVISOR, SHELTER_STAFF) if facility else (CASEWORKER, SUPERVISOR)
                for role in roles:
                    grants.append(
                        self._grant_role(case, receiver, role, {CORE}, False, reference, actor, at, purpose.code)
                    )
            elif new == "accepted":
                if "shelter" in spec:
                    self._hold(case, spec["shelter"], reference, at, actor)
                shared = set(purpose.classes) | {CORE}
                if purpose.consent_required:
                    shared &= self._consented(case, receiver, at) | {CORE}
                for role in ROLE_ORDER:
                    role_classes = ROLE_ACCESS[role][0]
                    granted = shared & set(role_classes) if role != SUPERVISOR else shared
                    if granted:
                        grants.append(
                            self._grant_role(case, receiver, role, granted, True, reference, actor, at, purpose.code)
                        )
                if rng.random() < 0.6 and receiver.staff.get(CASEWORKER):
                    assigned = receiver.pick(rng, CASEWORKER)
            elif new == "handed_over":
                self._minutes(referral_id, spec, sent_by, receiving, at, reason)
            if new in ("declined", "cancelled", "completed"):
                for grant in grants:
                    self.revoke(case, grant, by=actor, at=at, agency=actor_agency.id)
            status, since = new, at
            due = self._step_due(purpose, new, at)
        flagged, escalated_at, escalated_to = self._overdue(referral_id, purpose, sender, receiver, status, due, None)
        self.rows["referral"].append(
            (
                referral_id,
                self._uuid(),
                reference,
                case.id,
                purpose.id,
                sender.id,
                receiver.id,
                status,
                since,
                note,
                decline_reason,
                assigned,
                due,
                flagged,
                escalated_at,
                escalated_to.id if escalated_to else None,
                None,
                None,
                sent_by,
                steps[0][1],
            )
        )

    def _grant_role(self, case, receiver, role, classes, on_accept, reference, actor, at, purpose) -> Grant:
        return self.grant(
            case,
            group=receiver.groups[role],
            classes=classes,
            can_change=on_accept and role == CASEWORKER,
            source="referral",
            ref=reference,
            by=actor,
            at=at,
            agency=self.world.users[actor][2],
            purpose=purpose,
        )

    @staticmethod
    def _step_due(purpose, status: str, since: datetime.datetime) -> datetime.datetime | None:
        hours = {
            "sent": purpose.acknowledge_hours,
            "received": purpose.decide_hours,
            "accepted": purpose.handover_hours,
        }.get(status)
        return since + datetime.timedelta(hours=hours) if hours else None

    def _overdue(self, referral_id, purpose, sender, receiver, status, due, until):
        """The beat's flag (`do_flag_overdue_referrals`) and escalation of a step still open
        after its deadline, up to `until` (the next move, or now). Returns the referral's
        fields while the step is still open at the end."""
        end = until or self.now
        if due is None or end <= due + MINUTE:
            return None, None, None
        flagged = due + datetime.timedelta(seconds=self.rng.randint(1, 60))
        self.rows["referralevent"].append((referral_id, status, status, "overdue", None, None, flagged))
        escalated_at = escalated_to = None
        hours = purpose.escalate_after_hours
        if hours and end > due + datetime.timedelta(hours=hours, minutes=1):
            escalated_at = due + datetime.timedelta(hours=hours, seconds=self.rng.randint(61, 120))
            escalated_to = self._coordinator(receiver, sender)
            reason = "escalated" if escalated_to else "escalated: no coordinating agency is configured for the province"
            self.rows["referralevent"].append(
                (referral_id, status, status, reason, None, escalated_to.id if escalated_to else None, escalated_at)
            )
        return flagged, escalated_at, escalated_to

    def _coordinator(self, receiver: AgencyInfo, sender: AgencyInfo) -> AgencyInfo | None:
        for province in (receiver.province, sender.province):
            if province is not None:
                return self.world.social[province]
        return None

    def _consent(self, case, classes, agency: AgencyInfo, at, recorder, purpose, *, given_by=None) -> int:
        consent_id = self.ids.next("consent")
        representative = case.child and self.rng.random() < 0.8
        self.rows["consent"].append(
            (
                consent_id,
                case.id,
                "representative" if representative else "person",
                names.person_name(self.rng, female=True, ethnicity_code=None) if representative else "",
                self.world.classes_json(classes),
                agency.id,
                None,
                purpose,
                local_date(at),
                recorder,
                at,
                None,
                None,
                "",
            )
        )
        case.consents.append((agency.id, frozenset(classes), at))
        self.event(case, "consent", at, recorder, self.world.users[recorder][2], purpose)
        return consent_id

    @staticmethod
    def _consented(case: Case, agency: AgencyInfo, at) -> set[str]:
        allowed: set[str] = set()
        for agency_id, classes, given in case.consents:
            if agency_id == agency.id and given <= at:
                allowed |= classes
        return allowed

    def _minutes(self, referral_id, spec, sender_user, receiver_user, at, place) -> None:
        users, labels = self.world.users, self.labels
        self.rows["handoverminutes"].append(
            (
                referral_id,
                at,
                place,
                f"{users[sender_user][1]} ({labels.roles[CASEWORKER]})",
                f"{users[receiver_user][1]}",
                self.rng.choice(
                    ["Giấy chứng nhận về nước; tờ khai", "Căn cước công dân", "Không có giấy tờ", "Tờ khai"]
                ),
                self.rng.choice(["Quần áo cá nhân", "Điện thoại di động, quần áo", "Không có"]),
                self.rng.choice(["Muốn được về với gia đình", "Muốn học nghề", "Muốn được ở lại cơ sở một thời gian"]),
                SIGNED,
                receiver_user,
                min(at + datetime.timedelta(minutes=self.rng.randint(5, 120)), self.now),
            )
        )

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # Shelters ----------------------------------------------------------------------------------

    def _facility_order(self) -> dict[str, list[FacilityInfo]]:
        """Facilities nearest to each province first (the routing rule's "nearest to home")."""
        provinces = self.ref.provinces

        def distance(facility: FacilityInfo, code: str) -> float:
            here, there = provinces[facility.province], provinces[code]
            if facility.province == code:
                return 0.0
            lat1, lon1, lat2, lon2 = map(math.radians, (here.latitude, here.longitude, there.latitude, there.longitude))
            h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
            return 2 * 6371 * math.asin(math.sqrt(h))

        return {
            code: sorted(self.world.facilities, key=lambda facility: (distance(facility, code), facility.code))
            for code in PROVINCES
        }

    def _shelter_plan(self, case: Case, path: list[list], specs: list[dict], *, pin: str) -> dict | None:
        rng, now, world, owner = self.rng, self.now, self.world, case.owner
        identified = next((step for step in path if step[0] == "identified"), None)
        takes = {"sex": case.sex, "child": case.child, "with_children": case.with_child}
        if pin == "pending":
            # The first pinned placement is acknowledged, and the second case has a draft, so
            # that every referral status occurs even in a small dataset.
            facility = world.agencies[PERSONA_FACILITY].facility
            sent = max(now - datetime.timedelta(hours=rng.uniform(4, 8 * 24)), case.created_at + HOUR)
            steps = [("sent", sent)]
            if self.pinned == 0:
                steps.append(("received", sent + datetime.timedelta(hours=rng.uniform(0.5, 3))))
            specs.append(self._spec(PLACEMENT, owner, facility.agency, sent, steps=steps))
            if self.pinned == 1:
                drafted = sent - HOUR
                specs.append(
                    self._spec(
                        "protection_support", owner, world.social[case.province], drafted, steps=[("draft", drafted)]
                    )
                )
            self.pinned += 1
            return None
        spec = None
        if owner.facility is not None:
            facility = owner.facility
            if rng.random() >= 0.8 or not facility.takes(**takes):
                return None
            candidates = [facility]
            admitted = case.created_at + datetime.timedelta(hours=rng.uniform(0.5, 24))
            accepted = admitted
        elif pin == "resident" or (identified is not None and rng.random() < (0.3 if case.child else 0.12)):
            placement = self.ref.purposes[PLACEMENT]
            sent = identified[1] + datetime.timedelta(hours=rng.uniform(2, 48))
            if sent > now:
                return None
            sender = owner if owner.kind in placement.sender_kinds else self._accepted(specs, sent)
            if sender is None or sender.kind not in placement.sender_kinds:
                return None
            if pin == "resident":
                candidates = [world.agencies[PERSONA_FACILITY].facility]
            else:
                order = [f for f in self.facility_order[case.home] if f.takes(**takes) and f.agency is not sender][:4]
                candidates = []
                while order:
                    chosen = rng.choices(order, [6, 2, 1, 1][: len(order)])[0]
                    order.remove(chosen)
                    candidates.append(chosen)
            if not candidates:
                return None
            received = sent + self._delay(placement.acknowledge_hours)
            accepted = received + self._delay(placement.decide_hours)
            if not pin and rng.random() < 0.08:
                declined = [("sent", sent), ("received", received), ("declined", accepted)]
                specs.append(self._spec(PLACEMENT, sender, candidates[0].agency, sent, steps=declined))
                return None
            admitted = accepted + datetime.timedelta(hours=rng.uniform(1, 40))
            steps = [("sent", sent), ("received", received), ("accepted", accepted)]
            spec = self._spec(PLACEMENT, sender, None, sent, steps=steps)
        else:
            return None
        peace = candidates[0].kind == "peace_house"
        discharged = admitted + datetime.timedelta(days=rng.uniform(60, 540) if peace else rng.uniform(14, 120))
        if identified is not None:
            discharged = max(discharged, identified[1] + DAY)
        if pin == "resident":
            discharged = now + 30 * DAY
        hold_now = spec is not None and accepted <= now < admitted
        stay_now = admitted <= now < discharged
        facility = bed = None
        for candidate in candidates:
            if not (hold_now or stay_now):
                facility, bed = candidate, rng.choice(candidate.beds)[0]
                break
            # Facilities keep some beds free for what comes in next (routing needs a free bed).
            if len(candidate.free) > (0 if pin else len(candidate.beds) // 6):
                facility, bed = candidate, candidate.free.pop()
                break
        if facility is None:
            return None
        staff = facility.agency.pick(rng, SHELTER_STAFF, CASEWORKER)
        shelter = {
            "facility": facility,
            "bed": bed,
            "walk_in": spec is None,
            "accepted": accepted,
            "admitted": admitted,
            "discharged": discharged if discharged <= now else None,
            "staff": staff,
            "hold_now": hold_now,
            "stay_now": stay_now,
            "placement_id": self.ids.next("placement") if spec is not None else None,
            "followups": [],
        }
        if shelter["discharged"]:
            self._followup_plan(shelter)
        if spec is not None:
            spec["to"] = facility.agency
            spec["shelter"] = shelter
            handover = max(admitted - datetime.timedelta(minutes=rng.randint(5, 60)), accepted)
            spec["steps"].append(("handed_over", handover))
            visits = shelter["followups"]
            if visits and all(visit[3] for visit in visits) and rng.random() < 0.9:
                done = max(visit[2] for visit in visits)
                spec["steps"].append(("completed", local_at(done, 9) + datetime.timedelta(days=rng.uniform(1, 30))))
            specs.append(spec)
        return shelter

    def _followup_plan(self, shelter: dict) -> None:
        rng, facility, today = self.rng, shelter["facility"], self.today
        destination, _weight, reason = weighted(rng, [((d, w, r), w) for d, w, r in DISCHARGE])
        shelter["destination"], shelter["reason"] = destination, reason
        discharged_on = local_date(shelter["discharged"])
        for months in FOLLOWUP_SCHEDULE:
            if facility.followup_months and months > facility.followup_months:
                continue
            due_on = add_months(discharged_on, months)
            visited_on, outcome = None, ""
            if due_on <= today and rng.random() < 0.93:
                visited = due_on + datetime.timedelta(days=rng.randint(-5, 10))
                visited_on = min(max(visited, discharged_on), today)
                outcome = weighted(rng, [("safe", 80), ("at_risk", 10), ("lost_contact", 10)])
            reminded = (
                local_at(due_on - datetime.timedelta(days=7), 8)
                if due_on - datetime.timedelta(days=7) <= today
                else None
            )
            overdue = local_at(due_on + DAY, 8) if not outcome and due_on < today else None
            shelter["followups"].append((months, due_on, visited_on, outcome, reminded, overdue))

    def _hold(self, case: Case, shelter: dict, reference: str, at, actor) -> None:
        """`do_hold_bed`: the placement record and a bed held for the facility's hold time."""
        facility, bed = shelter["facility"], shelter["bed"]
        until = at + datetime.timedelta(hours=48)
        self.rows["placement"].append((shelter["placement_id"], case.id, facility.id, reference, at, bed, until, None))
        text = self.labels.held % {
            "bed": self._bed_label(facility, bed),
            "facility": facility.label,
            "until": (until + LOCAL).strftime("%d/%m/%Y %H:%M"),
        }
        self.event(case, "shelter", at, actor, self.world.users[actor][2], text, sensitivity="shelter")
        if shelter["hold_now"]:
            self.bed_state[bed] = (case.id, until, None)

    @staticmethod
    def _bed_label(facility: FacilityInfo, bed: int) -> str:
        for bed_id, room, label in facility.beds:
            if bed_id == bed:
                return f"{room} / {label}"
        raise LookupError(bed)

    def _shelter(self, case: Case, shelter: dict) -> None:
        rng, now, labels = self.rng, self.now, self.labels
        facility, staff, admitted = shelter["facility"], shelter["staff"], shelter["admitted"]
        if admitted > now:
            return
        agency_id = facility.agency.id
        consent_id = None
        if shelter["walk_in"]:
            consent_id = self._consent(
                case,
                WALK_IN_CLASSES,
                facility.agency,
                admitted - 10 * MINUTE,
                staff,
                labels.stay_at % {"facility": facility.label},
            )
        discharged = shelter["discharged"]
        admitted_on = local_date(admitted)
        planned_end = admitted_on + datetime.timedelta(days=rng.randint(30, 120))
        if facility.max_stay_months:
            planned_end = min(planned_end, add_months(admitted_on, facility.max_stay_months))
        if discharged:
            planned_end = max(planned_end, local_date(discharged))
        stay_id = self.ids.next("stay")
        destination = shelter.get("destination", "") if discharged else ""
        self.rows["stay"].append(
            (
                stay_id,
                self._uuid(),
                case.id,
                facility.id,
                shelter["bed"],
                "walk_in" if shelter["walk_in"] else "placement",
                shelter["placement_id"],
                consent_id,
                admitted,
                staff,
                planned_end,
                discharged,
                staff if discharged else None,
                destination,
                "",
                shelter.get("reason", "") if discharged else "",
                admitted,
                discharged,
            )
        )
        if shelter["stay_now"]:
            self.bed_state[shelter["bed"]] = (None, None, case.id)
        text = labels.admitted % {
            "facility": facility.label,
            "bed": self._bed_label(facility, shelter["bed"]),
            "end": planned_end.strftime("%d/%m/%Y"),
        }
        self.event(case, "shelter", admitted, staff, agency_id, text, sensitivity="shelter")
        end = discharged or now
        completed = admitted + datetime.timedelta(hours=rng.uniform(2, 48))
        if completed <= end and rng.random() < 0.9:
            self.rows["intake"].append(
                (stay_id, self.world.intake_json(admitted_on), self.world.saved_json(admitted), completed, staff)
            )
            self.event(case, "shelter", completed, staff, agency_id, labels.intake_completed, sensitivity="shelter")
        else:
            self.rows["intake"].append(
                (stay_id, PARTIAL_INTAKE, self.world.saved_json(admitted, ("arrival",)), None, None)
            )
        self._services(case, stay_id, facility, staff, admitted_on, local_date(end))
        if discharged:
            text = labels.discharged % {
                "facility": facility.label,
                "destination": labels.destinations[destination],
                "reason": shelter["reason"],
            }
            self.event(case, "shelter", discharged, staff, agency_id, text, sensitivity="shelter")
            for months, due_on, visited_on, outcome, reminded, overdue in shelter["followups"]:
                recorder = facility.agency.pick(rng, SHELTER_STAFF, CASEWORKER) if outcome else None
                self.rows["followupvisit"].append(
                    (stay_id, case.id, agency_id, months, due_on, visited_on, outcome, "", recorder, reminded, overdue)
                )
                if outcome:
                    at = min(local_at(visited_on, 15), now)
                    text = labels.followup % {"months": months, "outcome": labels.outcomes[outcome]}
                    self.event(case, "followup", at, recorder, agency_id, text)

    def _services(self, case, stay_id, facility, staff, first: datetime.date, last: datetime.date) -> None:
        rng, labels = self.rng, self.labels
        kinds = ["essential_needs"]
        extra = ["counselling", "medical", "life_skills", "vocational", "legal_aid"] + (
            ["schooling"] if case.child else []
        )
        kinds += rng.sample(extra, rng.randint(0, 3))
        span = (last - first).days
        for kind in kinds:
            if kind == "essential_needs":
                provided_on, days = first, max(1, min(span + 1, rng.randint(7, 60)))
            else:
                provided_on, days = first + datetime.timedelta(days=rng.randint(0, span)), None
            at = min(local_at(provided_on, 16), self.now)
            sensitivity = "health" if kind in ("counselling", "medical") else "shelter"
            self.rows["servicerecord"].append(
                (stay_id, case.id, kind, provided_on, days, facility.label, "", sensitivity, staff, at)
            )
            self.event(case, "shelter", at, staff, facility.agency.id, labels.services[kind], sensitivity=sensitivity)

    # Support -----------------------------------------------------------------------------------

    def _claims(self, case: Case, kept: list[list], identified_at, regime: str) -> None:
        rng, today, ref = self.rng, self.today, self.ref
        reached = {step[0]: step[1] for step in kept}
        if "supporting" not in reached or rng.random() >= 0.25:
            return
        identified_on = local_date(identified_at)
        choices = [
            (code, weight)
            for code, who, weight in CLAIM_ITEMS[regime]
            if code in ref.items
            and (who == "child") == case.child
            and (case.poor or not ref.items[code].poor_household_only)
        ]
        if not choices:
            return
        picked = {weighted(rng, choices) for _ in range(1 if rng.random() < 0.7 else 2)}
        deciding = self.world.social[case.home]
        filer = self.actor(case)
        for code in sorted(picked):
            item = ref.items[code]
            filed_on = local_date(reached["supporting"]) + datetime.timedelta(days=rng.randint(5, 150))
            if item.claim_within_months and filed_on > add_months(identified_on, item.claim_within_months):
                continue
            if filed_on > today:
                continue
            self._claim(case, item, deciding, filer, filed_on)

    def _claim(self, case: Case, item, deciding: AgencyInfo, filer: int, filed_on: datetime.date) -> None:
        rng, now, labels, world = self.rng, self.now, self.labels, self.world
        claim_id = self.ids.next("claim")
        reference = f"{case.reference}/C{claim_id}"
        filed_at = min(local_at(filed_on, 9) + datetime.timedelta(minutes=rng.randint(0, 480)), now)
        due_on = self._working_days(filed_on, item.decision_working_days) if item.decision_working_days else None
        values = {"item": item.name, "agency": deciding.name}
        if due_on:
            text = labels.claim_filed_due % {**values, "day": due_on.strftime("%d/%m/%Y")}
        else:
            text = labels.claim_filed % values
        self.event(case, "support", filed_at, filer, world.users[filer][2], text, sensitivity="support")
        grant = None
        if deciding is not case.owner:
            grant = self.grant(
                case,
                group=deciding.groups[item.deciding_role],
                classes=(CORE, "support"),
                can_change=False,
                source="claim",
                ref=reference,
                by=filer,
                at=filed_at,
                agency=world.users[filer][2],
            )
        money = item.amount_kind != "in_kind"
        low, high = AMOUNTS.get(item.code, (1_000_000, 3_000_000))
        amount = round(rng.uniform(low, high), -5)
        decided_at = local_at(filed_on + datetime.timedelta(days=rng.randint(2, 12)), 10) + datetime.timedelta(
            minutes=rng.randint(0, 360)
        )
        status, decider, decision_reason, decided_amount, overdue = "filed", None, "", None, None
        if decided_at <= now:
            decider = deciding.pick(rng, item.deciding_role)
            approve = rng.random() < 0.82
            status = "approved" if approve else "refused"
            decision_reason = rng.choice(APPROVALS if approve else REFUSALS)
            decided_amount = int(amount) if approve and money else None
            if not approve and grant is not None:
                self.revoke(case, grant, by=decider, at=decided_at, agency=deciding.id)
            values = {"item": item.name, "reason": decision_reason}
            if not approve:
                line = labels.claim_refused % values
            elif decided_amount is not None:
                line = labels.claim_approved_amount % {**values, "amount": f"{decided_amount:,}".replace(",", ".")}
            else:
                line = labels.claim_approved % values
            self.event(case, "support", decided_at, decider, deciding.id, line, sensitivity="support")
        elif due_on is not None and due_on < self.today:
            overdue = local_at(due_on + DAY, 0) + datetime.timedelta(minutes=rng.randint(1, 60))
            line = labels.claim_overdue % {"item": item.name, "day": due_on.strftime("%d/%m/%Y")}
            self.event(case, "overdue", overdue, None, None, line, sensitivity="support")
        self.rows["claim"].append(
            (
                claim_id,
                self._uuid(),
                case.id,
                item.id,
                deciding.id,
                filed_on,
                filer,
                rng.choice(CLAIM_DOCUMENTS),
                int(amount) if money and rng.random() < 0.6 else None,
                due_on,
                status,
                decided_at if decider else None,
                decider,
                decision_reason,
                decided_amount,
                overdue,
            )
        )
        if decided_amount:
            payer = deciding if rng.random() < 0.7 else case.owner
            first = local_date(decided_at) + datetime.timedelta(days=rng.randint(2, 30))
            parts = [decided_amount] if rng.random() < 0.75 else [decided_amount // 200_000 * 100_000]
            if sum(parts) < decided_amount:
                parts.append(decided_amount - sum(parts))
            paid_on = first
            for part in parts:
                if paid_on > self.today:
                    break
                self.receipts += 1
                receipt = f"PC{self.receipts:06d}/{paid_on.year}"
                recorder = payer.pick(rng, CASEWORKER, SUPERVISOR)
                at = min(local_at(paid_on, 14), now)
                self.rows["payment"].append(
                    (case.id, item.id, claim_id, part, paid_on, payer.id, receipt, None, "", recorder, at)
                )
                text = labels.payment % {"amount": vnd(part), "item": item.name, "receipt": receipt}
                self.event(case, "support", at, recorder, payer.id, text, sensitivity="support")
                paid_on += datetime.timedelta(days=rng.randint(15, 60))

    def _working_days(self, start: datetime.date, days: int) -> datetime.date:
        """`support.workdays.add_working_days` with the calendar loaded once."""
        day, counted = start, 0
        while counted < days:
            day += DAY
            if is_working_day(day, self.ref.calendar):
                counted += 1
        return day

    # Incidents -----------------------------------------------------------------------------

    def _incident(self, group: Group, cases: list[Case], incident_id: int, linked: datetime.datetime) -> None:
        rng, now, ref = self.rng, self.now, self.ref
        owner = group.owner
        agency = owner if owner.kind in ("police", "border_guard", "coast_guard") else self.world.police[group.province]
        age = now - linked
        if age < 30 * DAY:
            stage = "reported"
        elif age < 180 * DAY:
            stage = "investigating"
        else:
            stage = weighted(rng, [("investigating", 20), ("prosecuted", 35), ("tried", 45)])
        number = ""
        if stage != "reported":
            self.criminal_numbers += 1
            number = f"VA-{self.criminal_numbers:05d}/{local_date(linked).year}"
        country = ref.country_names.get(group.destination, "")
        summary = (
            f"{len(cases)} người bị đưa sang {country}"
            if group.destination != "VN"
            else f"{len(cases)} người bị mua bán trong nước"
        )
        self.rows["incident"].append((incident_id, self._uuid(), agency.id, number, stage, summary, linked))
        first = cases[0]
        for _ in range(weighted(rng, [(1, 65), (2, 25), (3, 10)])):
            at = linked + datetime.timedelta(hours=rng.uniform(1, 120))
            if at > now:
                continue
            foreign = group.destination != "VN" and rng.random() < 0.25
            male = rng.random() < 0.55
            name = names.alias(rng) if foreign else names.person_name(rng, female=not male, ethnicity_code="01")
            self.rows["offender"].append(
                (
                    incident_id,
                    name,
                    "male" if male else "female",
                    local_date(linked).year - rng.randint(22, 55),
                    ref.countries[group.destination if foreign else "VN"],
                    weighted(rng, OFFENDER_ROLES),
                    weighted(rng, OFFENDER_RELATIONS),
                    OFFENDER_STAGE[stage],
                    "",
                    at,
                )
            )
            self.event(first, "offender", at, self.actor(first), first.owner.id, sensitivity="investigation")


NOTES = {
    "verification": "Đề nghị xác minh ban đầu (chậm nhất 03 ngày)",
    "protection_support": "Đề nghị tiếp nhận, hỗ trợ ngay",
    "shelter_placement": "Đề nghị bố trí nơi tạm lánh",
    "repatriation_reception": "Đề nghị tiếp nhận người trở về",
    "reintegration_followup": "Đề nghị hỗ trợ tái hòa nhập tại địa phương",
    "legal_aid": "Đề nghị trợ giúp pháp lý",
    "medical": "Đề nghị hỗ trợ y tế",
}
PURPOSE_OF_CONSENT = {
    "shelter_placement": "Bố trí nơi tạm lánh",
    "reintegration_followup": "Hỗ trợ tái hòa nhập cộng đồng",
    "legal_aid": "Trợ giúp pháp lý",
    "medical": "Hỗ trợ y tế",
}
DECLINE_REASONS = [
    "Không thuộc thẩm quyền",
    "Cơ sở hết chỗ",
    "Người được giới thiệu không đồng ý",
    "Chuyển cơ quan khác",
]
CANCEL_REASONS = ["Gửi nhầm cơ quan", "Người được hỗ trợ đã về địa phương", "Đã bố trí theo hướng khác"]
APPROVALS = ["Đủ điều kiện theo quy định", "Hồ sơ đầy đủ, đúng đối tượng"]
REFUSALS = ["Không đủ hồ sơ chứng minh", "Không đúng đối tượng", "Đã được hỗ trợ nội dung này"]
CLAIM_DOCUMENTS = [
    "Mẫu số 07; giấy xác nhận nạn nhân; căn cước công dân",
    "Đơn đề nghị; giấy xác nhận nạn nhân; giấy chứng nhận hộ nghèo",
    "Mẫu số 07; giấy xác nhận nạn nhân",
]
# The offenders' furthest stage follows their incident's (no draw: the stream stays the same).
OFFENDER_STAGE = {"reported": "", "investigating": "arrested", "prosecuted": "prosecuted", "tried": "convicted"}
OFFENDER_ROLES = [("Recruiter", 40), ("Transporter", 20), ("Exploiter", 20), ("Facilitator", 10), ("Unknown", 10)]
OFFENDER_RELATIONS = [("Friend", 35), ("Stranger", 25), ("IntimatePartner", 15), ("Family", 10), ("Unknown", 15)]
SIGNED = json.dumps(["sender", "receiver", "person"])
