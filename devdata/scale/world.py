"""The agencies, their groups, staff and shelters of the scale data, as rows plus the small
in-memory picture the case generator draws from.

Every (agency, role) pair gets its Django group named as `do_ensure_agency_groups` names it,
and every member is put in the group of the membership, as `do_add_membership` does; the
password hash is computed once and shared by all staff.
"""

import datetime
import json
import random
from dataclasses import dataclass, field

from casework.models import Role, StatisticsScope
from devdata.scale import names, places
from devdata.scale.places import PROVINCES

CODE_PREFIX = "sc-"
USER_PREFIX = "scale."
TARGET_STAFF = 3000
PERSONAS = {
    # username: (agency code, role, full name)
    "scale.canbo": ("sc-ca-lca", Role.CASEWORKER, "Phạm Văn Khải"),
    "scale.admin": ("sc-ca-lca", Role.AGENCY_ADMIN, "Trịnh Thị Hà"),
    "scale.giamsat.tinh": ("sc-syt-lca", Role.SUPERVISOR, "Vũ Thị Bích"),
    "scale.giamsat.quocgia": ("sc-btxh", Role.SUPERVISOR, "Đinh Thị Hương"),
    "scale.nhanvien": ("sc-ctxh-lca", Role.SHELTER_STAFF, "Đỗ Thị Hạnh"),
}
TOP_AGENCY = "sc-ca-lca"
PERSONA_FACILITY = "sc-ctxh-lca"
# The persona caseworker takes more cases than a colleague, so she has a few hundred at 200k.
CANBO_WEIGHT = 3.0
SERVICES = ["counselling", "medical", "legal_aid", "schooling", "vocational", "life_skills", "essential_needs"]


@dataclass
class FacilityInfo:
    id: int
    code: str
    kind: str
    province: str
    label: str
    takes_women: bool
    takes_men: bool
    takes_children: bool
    takes_mothers: bool
    max_stay_months: int | None
    followup_months: int | None
    beds: list[tuple[int, str, str]] = field(default_factory=list)  # (id, room, label)
    # Beds free *now*: current stays and holds take them (one person per bed).
    free: list[int] = field(default_factory=list)
    agency: "AgencyInfo | None" = None

    def takes(self, *, sex: str, child: bool, with_children: bool) -> bool:
        """The rule of `FacilityQuerySet.taking`."""
        if child:
            ok = self.takes_children
        elif sex == "female":
            ok = self.takes_women
        elif sex == "male":
            ok = self.takes_men
        else:
            ok = self.takes_women and self.takes_men
        return ok and (self.takes_mothers or not with_children)


@dataclass
class AgencyInfo:
    id: int
    code: str
    kind: str
    province: str | None
    name: str
    name_en: str
    share: float = 0.0
    groups: dict[str, int] = field(default_factory=dict)
    staff: dict[str, list[int]] = field(default_factory=dict)
    facility: FacilityInfo | None = None
    country: str | None = None

    def pick(self, rng: random.Random, *roles: str) -> int:
        """A member of the first of `roles` the agency has."""
        for role in roles:
            if self.staff.get(role):
                return rng.choice(self.staff[role])
        raise LookupError(f"{self.code} has none of {roles}")


@dataclass
class World:
    agencies: dict[str, AgencyInfo]
    by_id: dict[int, AgencyInfo]
    users: dict[int, tuple[str, str, int]]  # id → (username, full name, agency id)
    police: dict[str, AgencyInfo]
    border_guard: dict[str, AgencyInfo]
    social: dict[str, AgencyInfo]
    womens_union: dict[str, AgencyInfo]
    communes: dict[str, list[AgencyInfo]]
    facilities: list[FacilityInfo]
    facility_agencies: dict[str, list[AgencyInfo]]
    ngos: list[AgencyInfo]
    missions: list[tuple[AgencyInfo, int]]
    coast_guard: dict[str, AgencyInfo]
    national: AgencyInfo
    # (province code) → [(agency, weight)] of who owns the cases received there.
    owners: dict[str, list[tuple[AgencyInfo, float]]]
    caseworker_weights: dict[int, tuple[list[int], list[float]]]
    group_owner: dict[int, tuple[AgencyInfo, str]] = field(default_factory=dict)
    _json: dict = field(default_factory=dict)

    def classes_json(self, classes) -> str:
        """JSON of a sorted list of classes, as `grant_case` stores it; computed once per set."""
        key = tuple(sorted(classes))
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(list(key))
        return text

    def intake_json(self, day: datetime.date) -> str:
        """A completed intake form: every section answered (`shelters.intake` fields)."""
        sections = dict(INTAKE)
        sections["rules"] = {**INTAKE["rules"], "explained_on": day.isoformat()}
        sections["consent"] = {**INTAKE["consent"], "signed_on": day.isoformat()}
        return json.dumps(sections, ensure_ascii=False)

    @staticmethod
    def saved_json(at: datetime.datetime, keys=None) -> str:
        stamp = (at + datetime.timedelta(hours=1)).isoformat()
        return json.dumps(dict.fromkeys(keys or INTAKE, stamp))


def _place_name(province, *, city_word="thành phố", province_word="tỉnh") -> str:
    word = city_word if province.kind == "city" else province_word
    return f"{word} {province.name}"


def _en_place(province) -> str:
    return province.name_en


class WorldBuilder:
    """Builds the agencies, groups, users, memberships, facilities and beds."""

    def __init__(self, rng: random.Random, ids, ref, now: datetime.datetime, password_hash: str):
        self.rng, self.ids, self.ref, self.now, self.password_hash = rng, ids, ref, now, password_hash
        self.rows: dict[str, list[tuple]] = {
            name: [] for name in ("agency", "group", "agencygroup", "user", "user_groups", "membership", "facility")
        }
        self.agencies: dict[str, AgencyInfo] = {}
        self.agency_groups: dict[tuple[int, str], int] = {}
        self.users: dict[int, tuple[str, str, int]] = {}
        self.beds_total = 0

    # Agencies ------------------------------------------------------------------------------

    def _agency(
        self,
        code,
        kind,
        province_code,
        name,
        name_en,
        *,
        parent=None,
        country=None,
        coordinates=False,
        scope=StatisticsScope.AGENCY,
    ):
        agency_id = self.ids.next("agency")
        province = self.ref.provinces.get(province_code)
        info = AgencyInfo(agency_id, code, kind, province_code, name, name_en, country=country)
        self.rows["agency"].append(
            (
                agency_id,
                name,
                name_en,
                code,
                self.ref.kinds[kind],
                province.pk if province else None,
                self.ref.countries[country] if country else None,
                parent.id if parent else None,
                True,
                coordinates,
                scope,
                "",
                "",
            )
        )
        for role in Role.values:
            group_id, agency_group_id = self.ids.next("group"), self.ids.next("agencygroup")
            self.rows["group"].append((group_id, f"agency:{code}:{role}"))
            self.rows["agencygroup"].append((agency_group_id, agency_id, role, group_id))
            info.groups[role] = group_id
            self.agency_groups[(agency_id, role)] = agency_group_id
        self.agencies[code] = info
        return info

    def _facility(
        self,
        agency: AgencyInfo,
        kind,
        *,
        beds,
        women=True,
        men=False,
        children=True,
        mothers=True,
        max_stay=None,
        followup=12,
    ):
        facility_id = self.ids.next("facility")
        province = self.ref.provinces[agency.province]
        facility = FacilityInfo(
            facility_id,
            agency.code,
            kind,
            agency.province,
            agency.name,
            women,
            men,
            children,
            mothers,
            max_stay,
            followup,
        )
        self.rows["facility"].append(
            (
                facility_id,
                agency.name,
                agency.name_en,
                agency.code,
                kind,
                agency.id,
                province.pk,
                f"Số {self.rng.randint(1, 200)}, {_place_name(province)}",
                f"02{self.rng.randint(10, 99)}{self.rng.randint(1000000, 9999999)}",
                women,
                men,
                children,
                mothers,
                json.dumps(SERVICES),
                max_stay,
                followup,
                48,
                True,
            )
        )
        for index in range(beds):
            facility.beds.append((self.ids.next("bed"), f"P{index // 4 + 1}", f"G{index % 4 + 1}"))
        facility.free = [bed_id for bed_id, _room, _label in facility.beds]
        self.rng.shuffle(facility.free)
        facility.agency = agency
        agency.facility = facility
        self.beds_total += beds
        return facility

    def build(self) -> World:
        ref, rng = self.ref, self.rng
        police, border, social, union, communes, facility_agencies = {}, {}, {}, {}, {}, {}
        facilities = []
        national = self._agency(
            "sc-btxh",
            "social_protection",
            None,
            "Cục Bảo trợ xã hội – Bộ Y tế (dữ liệu quy mô)",
            "Department of Social Protection, Ministry of Health (scale data)",
            scope=StatisticsScope.NATIONAL,
        )
        consular = self._agency(
            "sc-cls",
            "foreign_affairs",
            None,
            "Cục Lãnh sự – Bộ Ngoại giao",
            "Consular Department, Ministry of Foreign Affairs",
        )
        for code, profile in PROVINCES.items():
            province = ref.provinces[code]
            where, en = _place_name(province), _en_place(province)
            slug = code.lower()
            city = province.kind == "city"
            police[code] = self._agency(
                f"sc-ca-{slug}", "police", code, f"Công an {where}", f"{en} {'City' if city else 'Provincial'} Police"
            )
            if profile.borders or profile.coastal:
                border[code] = self._agency(
                    f"sc-bp-{slug}", "border_guard", code, f"Bộ đội Biên phòng {where}", f"{en} Border Guard"
                )
            social[code] = self._agency(
                f"sc-syt-{slug}",
                "social_protection",
                code,
                f"Sở Y tế {where} (bảo trợ xã hội)",
                f"{en} Department of Health (social protection)",
                coordinates=True,
                scope=StatisticsScope.PROVINCE,
            )
            union[code] = self._agency(
                f"sc-hpn-{slug}", "womens_union", code, f"Hội LHPN {where}", f"{en} Women's Union"
            )
            assistance = self._agency(
                f"sc-ctxh-{slug}",
                "social_protection",
                code,
                f"Cơ sở trợ giúp xã hội {where}",
                f"{en} social assistance facility",
                parent=social[code],
            )
            facilities.append(
                self._facility(
                    assistance, "social_assistance", beds=8 + 4 * profile.weight, men=True, mothers=profile.weight >= 3
                )
            )
            facility_agencies[code] = [assistance]
            if code in places.VICTIM_SUPPORT:
                support = self._agency(
                    f"sc-htnn-{slug}",
                    "social_protection",
                    code,
                    f"Cơ sở hỗ trợ nạn nhân bị mua bán {where}",
                    f"{en} victim-support facility",
                    parent=social[code],
                )
                facilities.append(self._facility(support, "victim_support", beds=12 + 2 * profile.weight))
                facility_agencies[code].append(support)
            communes[code] = []
            first = places.COMMUNE_FIRST[profile.region]
            count = 3 + round(profile.weight / 2)
            used = set()
            while len(communes[code]) < count:
                commune = f"{rng.choice(first)} {rng.choice(places.COMMUNE_SECOND)}"
                if commune in used:
                    continue
                used.add(commune)
                index = len(communes[code]) + 1
                communes[code].append(
                    self._agency(
                        f"sc-xa-{slug}-{index}",
                        "commune",
                        code,
                        f"UBND xã {commune} ({province.name})",
                        f"{commune} Commune People's Committee ({en})",
                    )
                )
        for suffix, code, name, name_en in places.PEACE_HOUSES:
            house = self._agency(f"sc-{suffix}", "womens_union", code, name, name_en, parent=union[code])
            facilities.append(self._facility(house, "peace_house", beds=20, max_stay=18, followup=24))
            facility_agencies[code].append(house)
        ngos = []
        for suffix, code, name, name_en, shelter in places.NGOS:
            ngo = self._agency(f"sc-{suffix}", "ngo", code, name, name_en)
            ngos.append(ngo)
            if shelter:
                facilities.append(self._facility(ngo, "ngo_shelter", beds=16))
                facility_agencies[code].append(ngo)
        missions = []
        for suffix, country, name, name_en, weight in places.MISSIONS:
            missions.append(
                (
                    self._agency(
                        f"sc-{suffix}", "foreign_affairs", None, name, name_en, parent=consular, country=country
                    ),
                    weight,
                )
            )
        coast = {}
        for number, code in places.COAST_GUARD:
            coast[code] = self._agency(
                f"sc-csb-vung{number}",
                "coast_guard",
                code,
                f"Bộ Tư lệnh Vùng Cảnh sát biển {number}",
                f"Coast Guard Region {number} Command",
            )
        owners = self._owners(police, border, social, union, communes, facility_agencies, ngos, coast)
        self._shares(owners, national, missions)
        self._staff()
        world = World(
            agencies=self.agencies,
            by_id={agency.id: agency for agency in self.agencies.values()},
            users=self.users,
            police=police,
            border_guard=border,
            social=social,
            womens_union=union,
            communes=communes,
            facilities=facilities,
            facility_agencies=facility_agencies,
            ngos=ngos,
            missions=missions,
            coast_guard=coast,
            national=national,
            owners=owners,
            caseworker_weights=self._caseworker_weights(),
        )
        world.group_owner = {
            group_id: (agency, role) for agency in self.agencies.values() for role, group_id in agency.groups.items()
        }
        return world

    # Who owns the cases ---------------------------------------------------------------------

    @staticmethod
    def _owners(police, border, social, union, communes, facility_agencies, ngos, coast):
        """Per province of reception, the agencies that register its cases and how often."""
        owners = {}
        for code in PROVINCES:
            weights = [(police[code], 0.55)]
            if code in border:
                weights.append((border[code], 0.20))
            weights.append((social[code], 0.10))
            for commune in communes[code]:
                weights.append((commune, 0.09 / len(communes[code])))
            weights.append((union[code], 0.02))
            for facility_agency in facility_agencies[code]:
                weights.append((facility_agency, 0.01 / len(facility_agencies[code])))
            for ngo in ngos:
                if ngo.province == code and ngo.facility is None:
                    weights.append((ngo, 0.01))
            if code in coast:
                weights.append((coast[code], 0.02))
            total = sum(weight for _agency, weight in weights)
            owners[code] = [(agency, weight / total) for agency, weight in weights]
        return owners

    def _shares(self, owners, national, missions):
        total = sum(profile.weight for profile in PROVINCES.values())
        for code, profile in PROVINCES.items():
            for agency, weight in owners[code]:
                agency.share += (1 - NATIONAL_SHARE - MISSION_SHARE) * profile.weight / total * weight
        national.share = NATIONAL_SHARE
        mission_total = sum(weight for _mission, weight in missions)
        for mission, weight in missions:
            mission.share = MISSION_SHARE * weight / mission_total

    # Staff ------------------------------------------------------------------------------------

    def _base_staff(self, agency: AgencyInfo) -> dict[str, int]:
        facility = agency.facility
        if agency.code == "sc-btxh":
            return {Role.CASEWORKER: 6, Role.SUPERVISOR: 3, Role.AGENCY_ADMIN: 1}
        if facility is not None:
            return {
                Role.CASEWORKER: 1,
                Role.SHELTER_STAFF: 2 + len(facility.beds) // 6,
                Role.SUPERVISOR: 1,
                Role.AGENCY_ADMIN: 1,
            }
        if agency.kind == "commune":
            return {Role.CASEWORKER: 1, Role.SUPERVISOR: 1}
        if agency.kind in ("police", "social_protection"):
            return {Role.CASEWORKER: 3, Role.SUPERVISOR: 2, Role.AGENCY_ADMIN: 1}
        return {Role.CASEWORKER: 2, Role.SUPERVISOR: 1, Role.AGENCY_ADMIN: 1}

    def _staff(self) -> None:
        plan = {code: self._base_staff(agency) for code, agency in self.agencies.items()}
        extra = max(0, TARGET_STAFF - sum(sum(counts.values()) for counts in plan.values()))
        shares = {code: agency.share for code, agency in self.agencies.items()}
        total_share = sum(shares.values())
        for code, share in shares.items():
            plan[code][Role.CASEWORKER] = plan[code].get(Role.CASEWORKER, 0) + round(extra * share / total_share)
        personas = {(code, role): username for username, (code, role, _name) in PERSONAS.items()}
        persona_names = {username: full_name for username, (_code, _role, full_name) in PERSONAS.items()}
        joined_from = self.now - datetime.timedelta(days=6 * 365)
        for code, counts in plan.items():
            agency = self.agencies[code]
            number = 0
            for role in Role.values:
                for index in range(counts.get(role, 0)):
                    number += 1
                    username = personas.get((code, role)) if index == 0 else None
                    full_name = persona_names[username] if username else names.staff_name(self.rng)
                    username = username or f"{USER_PREFIX}{code.removeprefix(CODE_PREFIX)}.{number:03d}"
                    user_id = self.ids.next("user")
                    joined = joined_from + datetime.timedelta(seconds=self.rng.randint(0, 365 * 86400))
                    self.rows["user"].append(
                        (user_id, self.password_hash, None, False, username, "", "", "", False, True, joined, full_name)
                    )
                    self.rows["user_groups"].append((user_id, agency.groups[role]))
                    agency_group = self.agency_groups[(agency.id, role)]
                    self.rows["membership"].append((user_id, agency.id, role, agency_group, True, joined))
                    agency.staff.setdefault(role, []).append(user_id)
                    self.users[user_id] = (username, full_name, agency.id)

    def _caseworker_weights(self) -> dict[int, tuple[list[int], list[float]]]:
        persona_id = next(user_id for user_id, (username, _n, _a) in self.users.items() if username == "scale.canbo")
        weights = {}
        for agency in self.agencies.values():
            workers = agency.staff.get(Role.CASEWORKER, [])
            weights[agency.id] = (workers, [CANBO_WEIGHT if user_id == persona_id else 1.0 for user_id in workers])
        return weights


# Shares of all cases registered by the national department (hotline 111) and by missions.
NATIONAL_SHARE = 0.025
MISSION_SHARE = 0.02


INTAKE = {
    "arrival": {
        "condition": "exhausted",
        "emotional_state": "Lo lắng, ít nói",
        "visible_injuries": "",
        "accompanied_by": "Cán bộ tiếp nhận",
    },
    "needs": {"needs": ["food", "clothing", "hygiene", "rest"], "other_needs": ""},
    "health": {
        "general_health": "Sức khỏe yếu, cần nghỉ ngơi",
        "pregnant": "no",
        "conditions": "",
        "needs_doctor": False,
        "screened_by": "Y tá cơ sở",
    },
    "belongings": {"items": "Quần áo cá nhân", "documents": "", "cash_vnd": 0, "kept_in_safe": False},
    "risk": {"level": "medium", "threats": "", "measures": "Không cho người lạ tiếp xúc khi chưa có ý kiến của cơ sở"},
    "rules": {"explained_on": None, "language": "Tiếng Việt", "understood": True},
    "consent": {"agrees": True, "given_by": "person", "representative_name": "", "signed_on": None},
    "contact": {"no_safe_contact": True, "name": "", "relationship": "", "phone": ""},
    "goals": {"goals": "Muốn về với gia đình và học nghề", "language": "Tiếng Việt"},
}
# A draft intake: only the arrival section saved so far.
PARTIAL_INTAKE = json.dumps({"arrival": INTAKE["arrival"]}, ensure_ascii=False)
