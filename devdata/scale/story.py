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

The parts: `story_referrals.py`, `story_shelters.py` and `story_support.py` (mixed into
`Stories`), and `story_base.py`, what they share.
"""

import datetime
import math
import random
import uuid

from casework.actions import ADULT_AGE, ALL_CLASSES, ROLE_ACCESS, legal_regime_for
from casework.lib.dates import add_months
from casework.lib.text import normalize_name
from casework.models import CHANGE_PERMISSION, CLASS_PERMISSIONS
from casework.models.people import age_from_birth_year
from devdata.scale import names, places
from devdata.scale.places import PROVINCES
from devdata.scale.story_base import (
    AGENCY_ADMIN,
    CASEWORKER,
    CORE,
    CROSS_BORDER_ONLY,
    DAY,
    HOUR,
    MINUTE,
    ROLE_ORDER,
    SUPERVISOR,
    Case,
    Grant,
    Group,
    local_date,
    weighted,
)
from devdata.scale.story_referrals import ReferralStory
from devdata.scale.story_shelters import ShelterStory
from devdata.scale.story_support import SupportStory
from devdata.scale.world import TOP_AGENCY, World

YEARS = 5

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


class Stories(ReferralStory, ShelterStory, SupportStory):
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
                None,  # identification officer: the authority's name is written as typed
                "",
                None,  # merged into: no story merges two records
                self.rows["person"][person["row"]][4],  # the person's search name (decision 335)
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


# The offenders' furthest stage follows their incident's (no draw: the stream stays the same).
OFFENDER_STAGE = {"reported": "", "investigating": "arrested", "prosecuted": "prosecuted", "tried": "convicted"}
OFFENDER_ROLES = [("Recruiter", 40), ("Transporter", 20), ("Exploiter", 20), ("Facilitator", 10), ("Unknown", 10)]
OFFENDER_RELATIONS = [("Friend", 35), ("Stranger", 25), ("IntimatePartner", 15), ("Family", 10), ("Unknown", 15)]
