"""Demo data: agencies of every kind in two provinces, one sign-in per persona, and cases in
every status. Idempotent. Every person in it is fictional."""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from casework import actions
from casework.models import (
    Agency,
    AgencyKind,
    CameToNotice,
    Case,
    CaseStatus,
    Consent,
    Country,
    EthnicGroup,
    Offender,
    Person,
    PersonStatus,
    PicklistValue,
    Province,
    ReturnMode,
    Role,
    Sex,
    StatisticsScope,
    User,
)
from casework.reference_data import load_reference_data
from casework.support_catalogue import load_support_catalogue

DEMO_PASSWORD = "caunoi-demo-2026"

# (code, kind, province code, Vietnamese name, English name)
AGENCIES = [
    ("ca-laocai", "police", "LCA", "Công an tỉnh Lào Cai", "Lào Cai Provincial Police"),
    ("bp-laocai", "border_guard", "LCA", "Bộ đội Biên phòng tỉnh Lào Cai", "Lào Cai Border Guard"),
    (
        "syt-laocai",
        "social_protection",
        "LCA",
        "Sở Y tế tỉnh Lào Cai (bảo trợ xã hội)",
        "Lào Cai Department of Health (social protection)",
    ),
    ("hpn-laocai", "womens_union", "LCA", "Hội LHPN tỉnh Lào Cai", "Lào Cai Women's Union"),
    ("ubnd-batxat", "commune", "LCA", "UBND xã Bát Xát", "Bát Xát Commune People's Committee"),
    ("ca-hanoi", "police", "HN", "Công an thành phố Hà Nội", "Hanoi City Police"),
    (
        "syt-hanoi",
        "social_protection",
        "HN",
        "Sở Y tế Hà Nội (bảo trợ xã hội)",
        "Hanoi Department of Health (social protection)",
    ),
    (
        "binhyen-hanoi",
        "womens_union",
        "HN",
        "Ngôi nhà Bình yên – Trung tâm Phụ nữ và Phát triển",
        "Peace House – Centre for Women and Development",
    ),
    ("ubnd-hoankiem", "commune", "HN", "UBND phường Hoàn Kiếm", "Hoàn Kiếm Ward People's Committee"),
    ("csb-vung1", "coast_guard", "HN", "Bộ Tư lệnh Vùng Cảnh sát biển 1", "Coast Guard Region 1 Command"),
    (
        "tlsq-namninh",
        "foreign_affairs",
        None,
        "Tổng Lãnh sự quán Việt Nam tại Nam Ninh",
        "Consulate General of Viet Nam in Nanning",
    ),
    ("ngo-demo", "ngo", "HN", "Tổ chức hỗ trợ nạn nhân (minh họa)", "Victim support NGO (demo)"),
    (
        "cuc-btxh",
        "social_protection",
        None,
        "Cục Bảo trợ xã hội – Bộ Y tế (minh họa)",
        "Department of Social Protection, Ministry of Health (demo)",
    ),
    (
        "ctxh-laocai",
        "social_protection",
        "LCA",
        "Cơ sở trợ giúp xã hội tỉnh Lào Cai (minh họa)",
        "Lào Cai social assistance facility (demo)",
    ),
]
# Agencies that coordinate referrals in their province (escalation goes to their supervisors).
COORDINATORS = {"syt-laocai", "syt-hanoi"}
# What supervisors' dashboards cover (everything else: the agency's own cases).
STATISTICS_SCOPES = {
    "syt-laocai": StatisticsScope.PROVINCE,
    "syt-hanoi": StatisticsScope.PROVINCE,
    "ca-hanoi": StatisticsScope.PROVINCE,
    "cuc-btxh": StatisticsScope.NATIONAL,
}

# (agency code, kind, women, men, children, mothers with children, rooms × beds, max stay, follow-up)
FACILITIES = [
    ("binhyen-hanoi", "peace_house", True, False, True, True, (3, 4), 18, 24),
    ("ctxh-laocai", "social_assistance", True, True, True, False, (4, 3), None, None),
]

# (username, full name, [(agency code, role)], what the persona is)
PERSONAS = [
    ("canbo.congan", "Phạm Văn Hùng", [("ca-laocai", Role.CASEWORKER)], "police caseworker, Lào Cai"),
    ("canbo.bienphong", "Lê Minh Tuấn", [("bp-laocai", Role.CASEWORKER)], "border-guard caseworker, Lào Cai"),
    ("canbo.baotro", "Vũ Thị Thu", [("syt-laocai", Role.CASEWORKER)], "social-protection caseworker, Lào Cai"),
    (
        "nhanvien.binhyen",
        "Đỗ Thị Hạnh",
        [("binhyen-hanoi", Role.SHELTER_STAFF)],
        "Women's Union shelter worker, Hà Nội",
    ),
    ("canbo.xa", "Sầm Văn Phúc", [("ubnd-batxat", Role.CASEWORKER)], "commune officer, Bát Xát (Lào Cai)"),
    ("giamsat.laocai", "Ngô Quang Dũng", [("ca-laocai", Role.SUPERVISOR)], "supervisor, Lào Cai police"),
    (
        "giamsat.hanoi",
        "Bùi Thị Ngọc",
        [("syt-hanoi", Role.SUPERVISOR), ("syt-hanoi", Role.AGENCY_ADMIN)],
        "supervisor, Hà Nội social protection (two memberships: try the agency switcher)",
    ),
    (
        "giamsat.quocgia",
        "Đinh Thị Hương",
        [("cuc-btxh", Role.SUPERVISOR)],
        "supervisor, national social protection (national statistics, small figures hidden)",
    ),
]

# Fictional people: (name, sex, birth year, ethnicity code, home province, status to reach)
DEMO_CASES = [
    ("Nguyễn Thị Lan", Sex.FEMALE, 1999, "01", "LCA", CaseStatus.REPORTED),
    ("Đặng Thị Mai", Sex.FEMALE, 2008, "09", "LCA", CaseStatus.VERIFYING),
    ("Giàng Thị Mỷ", Sex.FEMALE, 2004, "08", "LCA", CaseStatus.IDENTIFYING),
    ("Lò Thị Sua", Sex.FEMALE, 1996, "03", "LCA", CaseStatus.IDENTIFIED),
    ("Hoàng Văn Nam", Sex.MALE, 1990, "02", "LCA", CaseStatus.NOT_IDENTIFIED),
    ("Vàng Thị Dợ", Sex.FEMALE, 2001, "08", "LCA", CaseStatus.SUPPORTING),
    ("Trần Thị Hoa", Sex.FEMALE, 1994, "01", "HN", CaseStatus.REINTEGRATING),
    ("Sùng A Tủa", Sex.MALE, 2010, "08", "LCA", CaseStatus.CLOSED),
]

PATH = [CaseStatus.VERIFYING, CaseStatus.IDENTIFYING, "identify", CaseStatus.SUPPORTING, CaseStatus.REINTEGRATING]


class Command(BaseCommand):
    help = "Create demo agencies, one user per persona and fictional cases in every status (idempotent)."

    def handle(self, *args, **options):
        load_reference_data()
        load_support_catalogue()
        with transaction.atomic():
            agencies = self._agencies()
            users = self._personas(agencies)
            self._facilities(agencies)
            self._admin()
            created = self._cases(agencies, users)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new cases)."))
        self.stdout.write(f"Sign in at http://127.0.0.1:8000/ — password for every demo user: {DEMO_PASSWORD}")
        for username, _name, _memberships, description in PERSONAS:
            self.stdout.write(f"  {username:<20} {description}")
        self.stdout.write(f"  {'admin':<20} administrator (reference data and agencies at /admin/)")

    def _agencies(self) -> dict[str, Agency]:
        kinds = {kind.code: kind for kind in AgencyKind.objects.all()}
        provinces = {province.code: province for province in Province.objects.all()}
        china = Country.objects.get(alpha2="CN")
        agencies = {}
        for code, kind, province, name, name_en in AGENCIES:
            agency, _created = Agency.objects.update_or_create(
                code=code,
                defaults={
                    "kind": kinds[kind],
                    "province": provinces.get(province),
                    "country": china if kind == "foreign_affairs" else None,
                    "name": name,
                    "name_en": name_en,
                    "coordinates_province": code in COORDINATORS,
                    "statistics_scope": STATISTICS_SCOPES.get(code, StatisticsScope.AGENCY),
                },
            )
            actions.do_ensure_agency_groups(agency)
            agencies[code] = agency
        return agencies

    def _facilities(self, agencies) -> None:
        # Imported here: casework never imports shelters at module level (DESIGN.md §2).
        from shelters.models import Bed, Facility

        for code, kind, women, men, children, mothers, (rooms, beds), max_stay, followup in FACILITIES:
            agency = agencies[code]
            facility, _created = Facility.objects.update_or_create(
                agency=agency,
                defaults={
                    "code": code,
                    "name": agency.name,
                    "name_en": agency.name_en,
                    "kind": kind,
                    "province": agency.province,
                    "takes_women": women,
                    "takes_men": men,
                    "takes_children": children,
                    "takes_mothers_with_children": mothers,
                    "max_stay_months": max_stay,
                    "followup_months": followup,
                },
            )
            for room in range(1, rooms + 1):
                for bed in range(1, beds + 1):
                    Bed.objects.get_or_create(facility=facility, room=f"P{room}", label=f"G{bed}")

    def _personas(self, agencies) -> dict[str, User]:
        users = {}
        for username, full_name, memberships, _description in PERSONAS:
            user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            for agency_code, role in memberships:
                if not user.memberships.filter(agency__code=agency_code, role=role, is_active=True).exists():
                    actions.do_add_membership(user, agencies[agency_code], role, actor=None)
            users[username] = user
        return users

    def _admin(self) -> None:
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser(
                "admin", "admin@example.invalid", DEMO_PASSWORD, full_name="Quản trị hệ thống"
            )

    def _cases(self, agencies, users) -> int:
        police = agencies["ca-laocai"]
        if Case.objects.filter(owning_agency=police).exists():
            return 0
        worker = users["canbo.congan"]
        provinces = {province.code: province for province in Province.objects.all()}
        ethnic = {group.code: group for group in EthnicGroup.objects.all()}
        china = Country.objects.get(alpha2="CN")
        vietnam = Country.objects.get(alpha2="VN")
        forms = list(
            PicklistValue.objects.filter(
                list_name=PicklistValue.List.EXPLOITATION_TYPE,
                code__in=["ForcedMarriage", "SexualExploitation", "ForcedLabour"],
            )
        )
        now = timezone.now()
        for index, (name, sex, year, ethnicity, home, target) in enumerate(DEMO_CASES):
            person = Person(
                full_name=name,
                sex=sex,
                birth_year=year,
                ethnicity=ethnic.get(ethnicity),
                nationality=vietnam,
                home_province=provinces[home],
                home_address="Địa chỉ minh họa",
            )
            case = Case(
                came_to_notice=[CameToNotice.BORDER_HANDOVER, CameToNotice.SELF_REPORT, CameToNotice.RESCUE][index % 3],
                return_mode=[ReturnMode.HANDED_OVER, ReturnMode.SELF_RETURNED, ReturnMode.RESCUED][index % 3],
                received_at=now - datetime.timedelta(days=40 - index * 4),
                reception_province=provinces["LCA"],
                reception_place="Cửa khẩu quốc tế Lào Cai" if index % 3 == 0 else "Trụ sở Công an tỉnh",
                destination_country=china,
                route="Lào Cai → Hà Khẩu → Vân Nam",
            )
            case = actions.do_create_case(
                person=person,
                case=case,
                actor=worker,
                agency=police,
                exploitation_forms=forms[index % len(forms) :][:1],
            )
            self._advance(case, target, worker)
            if target == CaseStatus.IDENTIFIED:
                self._refer(case, agencies, worker)
            if target in (CaseStatus.SUPPORTING, CaseStatus.REINTEGRATING):
                self._shelter(case, agencies, users, discharge=target == CaseStatus.REINTEGRATING)
        self._incident(police, worker)
        return len(DEMO_CASES)

    def _incident(self, police: Agency, worker: User) -> None:
        """The identified women of the demo were trafficked together: one incident, two offenders,
        so the statistics count incidents, offenders and victims apart."""
        victims = list(Case.objects.filter(owning_agency=police, person_status=PersonStatus.VICTIM).order_by("pk")[:2])
        incident = None
        for case in victims:
            incident = actions.do_link_incident(
                case, incident, actor=worker, agency=police, criminal_case_number="VA-12/2026 (minh họa)"
            )
        if incident is not None:
            for role in (Offender.RoleInProcess.RECRUITER, Offender.RoleInProcess.TRANSPORTER):
                actions.do_add_offender(
                    victims[0],
                    Offender(incident=incident, full_name="Đối tượng (hư cấu)", role_in_process=role),
                    actor=worker,
                )

    def _refer(self, case: Case, agencies, worker: User) -> None:
        """Two referrals, so the inboxes of the demo are not empty."""
        # Imported here: casework never imports referrals at module level (DESIGN.md §2).
        from referrals.actions import do_acknowledge_referral, do_send_referral
        from referrals.models import ReferralPurpose

        police = agencies["ca-laocai"]
        protection = do_send_referral(
            case,
            purpose=ReferralPurpose.objects.get(code="protection_support"),
            to_agency=agencies["syt-laocai"],
            from_agency=police,
            note="Tiếp nhận, hỗ trợ ngay (minh họa)",
            actor=worker,
        )
        do_acknowledge_referral(protection, actor=worker)
        actions.do_record_consent(
            case,
            Consent(
                given_by=Consent.GivenBy.PERSON,
                classes=["core", "identity", "health", "shelter"],
                agency=agencies["binhyen-hanoi"],
                purpose="Bố trí nơi tạm lánh (minh họa)",
                given_on=timezone.localdate(),
            ),
            actor=worker,
        )
        do_send_referral(
            case,
            purpose=ReferralPurpose.objects.get(code="shelter_placement"),
            to_agency=agencies["binhyen-hanoi"],
            from_agency=police,
            actor=worker,
        )

    def _shelter(self, case: Case, agencies, users, *, discharge: bool) -> None:
        """A placement accepted by the Peace House and an admission with part of the intake
        filled and a service; the reintegrating case is discharged, so its follow-up plan shows."""
        # Imported here: casework never imports referrals or shelters at module level (DESIGN.md §2).
        from referrals.actions import do_accept_referral, do_acknowledge_referral, do_send_referral
        from referrals.models import ReferralPurpose
        from shelters import actions as shelter_actions
        from shelters.models import Facility

        worker, staff = users["canbo.congan"], users["nhanvien.binhyen"]
        house = agencies["binhyen-hanoi"]
        actions.do_record_consent(
            case,
            Consent(
                given_by=Consent.GivenBy.PERSON,
                classes=["core", "identity", "health", "shelter"],
                agency=house,
                purpose="Bố trí nơi tạm lánh (minh họa)",
                given_on=timezone.localdate(),
            ),
            actor=worker,
        )
        placement = do_send_referral(
            case,
            purpose=ReferralPurpose.objects.get(code="shelter_placement"),
            to_agency=house,
            from_agency=agencies["ca-laocai"],
            actor=worker,
        )
        do_acknowledge_referral(placement, actor=staff)
        do_accept_referral(placement, actor=staff)
        facility = Facility.objects.get(agency=house)
        stay = shelter_actions.do_admit_from_placement(
            case,
            facility=facility,
            planned_end=shelter_actions.add_months(timezone.localdate(), 6),
            actor=staff,
        )
        shelter_actions.do_save_intake_section(
            stay,
            "arrival",
            {
                "condition": "exhausted",
                "emotional_state": "Lo lắng, ít nói (minh họa)",
                "accompanied_by": worker.full_name,
            },
            actor=staff,
        )
        shelter_actions.do_record_service(
            stay,
            kind="essential_needs",
            provided_on=timezone.localdate(),
            days=1,
            provider="Nhà Bình yên",
            actor=staff,
        )
        if discharge:
            shelter_actions.do_discharge(
                stay,
                discharged_at=timezone.now(),
                destination="family",
                reason="Gia đình đón về, địa phương đã xác nhận an toàn (minh họa)",
                actor=staff,
            )

    def _advance(self, case: Case, target: str, worker: User) -> None:
        if target == CaseStatus.REPORTED:
            return
        if target == CaseStatus.CLOSED:
            actions.do_transition_case(case, CaseStatus.CLOSED, reason="Trùng với hồ sơ đã có (minh họa)", actor=worker)
            return
        for step in PATH:
            if step == "identify":
                actions.do_record_identification(
                    case,
                    is_victim=target != CaseStatus.NOT_IDENTIFIED,
                    identified_on=timezone.localdate(),
                    authority="Công an tỉnh Lào Cai",
                    document="123/XN-CA (minh họa)",
                    reason="Giấy tờ của cơ quan chức năng nước ngoài; lời khai phù hợp (minh họa)",
                    actor=worker,
                )
                reached = CaseStatus.IDENTIFIED if target != CaseStatus.NOT_IDENTIFIED else CaseStatus.NOT_IDENTIFIED
            else:
                actions.do_transition_case(case, step, reason="Chuyển bước theo quy trình (minh họa)", actor=worker)
                reached = step
            if reached == target:
                return
