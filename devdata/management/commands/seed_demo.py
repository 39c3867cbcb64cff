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
    PicklistValue,
    Province,
    ReturnMode,
    Role,
    Sex,
    StatisticsScope,
    User,
    VerificationOutcome,
)
from casework.reference_data import load_reference_data
from casework.responsibility import do_record_verification
from referrals import actions as referral_actions
from referrals import routing
from referrals.models import HandoverMinutes, ReferralPurpose
from shelters import actions as shelter_actions
from shelters.models import Bed, Facility
from support.actions import do_file_claim
from support.catalogue import load_support_catalogue
from support.models import SupportItem

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
        "giamsat.syt.laocai",
        "Lý Thị Hằng",
        [("syt-laocai", Role.SUPERVISOR)],
        "supervisor, Sở Y tế Lào Cai (social protection): decides support claims, assigns referrals",
    ),
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
        "supervisor, national social protection (true national statistics; exports for sharing hide small figures)",
    ),
]

# Every demo person lives at this address: it marks the demo's cases (idempotence).
DEMO_ADDRESS = "Địa chỉ minh họa"


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
        if Person.objects.filter(home_address=DEMO_ADDRESS).exists():
            return 0
        story = DemoStory(agencies, users)
        story.tell()
        return Case.objects.filter(person__home_address=DEMO_ADDRESS).count()


class DemoStory:
    """The reception chain as the law runs it (Law 53 ch. IV), one fictional person per step, so
    that every agency of the demo has something to do: a police self-report waiting for the
    commune and the provincial health agency, a child returned at the border gate whose lead is
    now Sở Y tế Lào Cai (verifying with the police), a commune's own self-report, women
    identified by the police, sheltered at the Peace House, a claim for the Lào Cai supervisor to
    decide, a discharge home to Bát Xát waiting for the commune, a decision that she is not a
    victim, and a closed case."""

    def __init__(self, agencies, users):
        self.agencies, self.users = agencies, users
        self.referral_actions, self.routing, self.shelter_actions = referral_actions, routing, shelter_actions
        self.now = timezone.now()
        self.provinces = {province.code: province for province in Province.objects.all()}
        self.ethnic = {group.code: group for group in EthnicGroup.objects.all()}
        self.china = Country.objects.get(alpha2="CN")
        self.vietnam = Country.objects.get(alpha2="VN")
        self.forms = {
            value.code: value for value in PicklistValue.objects.filter(list_name=PicklistValue.List.EXPLOITATION_TYPE)
        }

    # Steps ------------------------------------------------------------------------------

    def register(self, username, agency, name, sex, year, ethnicity, *, came, days_ago, place, **facts) -> Case:
        person = Person(
            full_name=name,
            sex=sex,
            birth_year=year,
            ethnicity=self.ethnic.get(ethnicity),
            nationality=self.vietnam,
            home_province=self.provinces[facts.pop("home", "LCA")],
            home_commune=facts.pop("home_commune", None),
            home_address=DEMO_ADDRESS,
        )
        exploitation = [self.forms[code] for code in facts.pop("forms", ["ForcedMarriage"]) if code in self.forms]
        case = Case(
            came_to_notice=came,
            received_at=self.now - datetime.timedelta(days=days_ago),
            reception_province=self.provinces["LCA"],
            reception_place=place,
            destination_country=self.china,
            route="Lào Cai → Hà Khẩu → Vân Nam",
            **facts,
        )
        case = actions.do_create_case(
            person=person,
            case=case,
            actor=self.users[username],
            agency=self.agencies[agency],
            exploitation_forms=exploitation,
        )
        self.routing.route_case(case.pk)
        return case

    def referral(self, case: Case, purpose: str, to: str):
        return case.referrals.get(purpose__code=purpose, to_agency=self.agencies[to], status__in=["sent", "received"])

    def accept(self, case: Case, purpose: str, to: str, username: str, *, handed_over_hours_after=None):
        """The receiver acknowledges and accepts; with minutes at a real, earlier time if asked."""
        actor = self.users[username]
        referral = self.referral(case, purpose, to)
        self.referral_actions.do_acknowledge_referral(referral, actor=actor)
        referral = self.referral_actions.do_accept_referral(referral, actor=actor)
        if handed_over_hours_after is not None:
            minutes = HandoverMinutes(
                handed_over_at=case.received_at + datetime.timedelta(hours=handed_over_hours_after),
                place="Trụ sở Sở Y tế tỉnh Lào Cai (minh họa)",
                sender_officers="Đại diện bên giao (minh họa)",
                receiver_officers=f"{actor.full_name} (minh họa)",
                documents="Tờ khai TK/NNa (minh họa)",
                belongings="Một ba lô quần áo (minh họa)",
                person_wishes="Muốn được về gần gia đình (minh họa)",
                signed_by=["sender", "receiver", "person"],
            )
            self.referral_actions.do_record_handover(referral, minutes=minutes, actor=actor)
        self.routing.route_case(case.pk)
        return referral

    def verify(self, case: Case, outcome: str, username: str = "canbo.baotro") -> Case:
        return do_record_verification(
            Case.objects.get(pk=case.pk),
            outcome=outcome,
            concluded_at=None,
            note="Đã phối hợp công an kiểm tra lời khai và giấy tờ (minh họa)",
            actor=self.users[username],
        )

    def identify(self, case: Case, *, is_victim: bool) -> Case:
        return actions.do_record_identification(
            Case.objects.get(pk=case.pk),
            is_victim=is_victim,
            identified_on=timezone.localdate(),
            authority="Công an tỉnh Lào Cai",
            document="123/XN-CA (minh họa)" if is_victim else "",
            reason="Giấy tờ của cơ quan chức năng nước ngoài; lời khai phù hợp (minh họa)",
            grounds=["foreign_authority", "person_statement"],
            agency=self.agencies["ca-laocai"],
            actor=self.users["canbo.congan"],
        )

    def consent(self, case: Case, agency: str, classes: list[str], purpose: str) -> None:
        actions.do_record_consent(
            case,
            Consent(
                given_by=Consent.GivenBy.PERSON,
                classes=classes,
                agency=self.agencies[agency],
                purpose=purpose,
                given_on=timezone.localdate(),
            ),
            actor=self.users["canbo.baotro"],
        )

    def through_verification(self, case: Case) -> Case:
        """Sở Y tế leads and verifies with the police: the police accept the verification referral
        routing sent them, the documents are missing, so on to identification."""
        self.accept(case, "verification", "ca-laocai", "canbo.congan")
        return self.verify(case, VerificationOutcome.IDENTIFICATION_NEEDED)

    def support(self, case: Case) -> None:
        reason = "Hỗ trợ theo Điều 37 (minh họa)"
        actions.do_transition_case(case, CaseStatus.SUPPORTING, reason=reason, actor=self.users["canbo.baotro"])

    def shelter(self, case: Case, *, discharge: bool):
        staff = self.users["nhanvien.binhyen"]
        house = self.agencies["binhyen-hanoi"]
        self.consent(case, "binhyen-hanoi", ["core", "identity", "health", "shelter"], "Bố trí nơi tạm lánh (minh họa)")
        placement = self.referral_actions.do_send_referral(
            case,
            purpose=ReferralPurpose.objects.get(code="shelter_placement"),
            to_agency=house,
            from_agency=self.agencies["syt-laocai"],
            actor=self.users["canbo.baotro"],
        )
        self.referral_actions.do_acknowledge_referral(placement, actor=staff)
        self.referral_actions.do_accept_referral(placement, actor=staff)
        facility = Facility.objects.get(agency=house)
        stay = self.shelter_actions.do_admit_from_placement(
            case,
            facility=facility,
            planned_end=self.shelter_actions.add_months(timezone.localdate(), 6),
            actor=staff,
        )
        self.shelter_actions.do_save_intake_section(
            stay,
            "arrival",
            {"condition": "exhausted", "emotional_state": "Lo lắng, ít nói (minh họa)", "accompanied_by": "Sở Y tế"},
            actor=staff,
        )
        self.shelter_actions.do_record_service(
            stay, kind="essential_needs", provided_on=timezone.localdate(), days=1, provider="Nhà Bình yên", actor=staff
        )
        if discharge:
            self.consent(case, "ubnd-batxat", ["core", "identity", "support"], "Tái hòa nhập tại xã (minh họa)")
            self.consent(case, "hpn-laocai", ["core", "identity", "support"], "Hội Phụ nữ hỗ trợ (minh họa)")
            self.shelter_actions.do_discharge(
                stay,
                discharged_at=timezone.now(),
                destination="family",
                reason="Gia đình đón về, địa phương đã xác nhận an toàn (minh họa)",
                actor=staff,
            )
            self.routing.route_case(case.pk)

    def claim(self, case: Case) -> None:
        do_file_claim(
            case,
            item=SupportItem.objects.get(code="l53-k"),
            deciding_agency=self.agencies["syt-laocai"],
            documents="Đơn theo Mẫu số 07; giấy xác nhận nạn nhân (minh họa)",
            amount_requested_vnd=3_000_000,
            actor=self.users["canbo.baotro"],
        )

    def incident(self, cases: list[Case]) -> None:
        """Two of the identified women were trafficked together: one incident, two offenders,
        so the statistics count incidents, offenders and victims apart."""
        police, worker = self.agencies["ca-laocai"], self.users["canbo.congan"]
        incident = None
        for case in cases:
            incident = actions.do_link_incident(
                case, incident, actor=worker, agency=police, criminal_case_number="VA-12/2026 (minh họa)"
            )
        for role in (Offender.RoleInProcess.RECRUITER, Offender.RoleInProcess.TRANSPORTER):
            actions.do_add_offender(
                cases[0],
                Offender(incident=incident, full_name="Đối tượng (hư cấu)", role_in_process=role),
                actor=worker,
            )

    # The story ----------------------------------------------------------------------------

    def tell(self) -> None:
        batxat = self.agencies["ubnd-batxat"]
        # A police self-report at Bát Xát: the commune and Sở Y tế Lào Cai are notified at once.
        self.register(
            "canbo.congan", "ca-laocai", "Nguyễn Thị Lan", Sex.FEMALE, 1999, "01",
            came=CameToNotice.SELF_REPORT, days_ago=1, place="Công an xã Bát Xát", reception_commune=batxat,
            return_mode=ReturnMode.SELF_RETURNED,
        )  # fmt: skip
        # A girl handed over at the Lào Cai border gate, home Hà Nội: Sở Y tế Lào Cai leads (art. 30(1)(b)),
        # the handover minutes carry the real time, and the police are asked to verify.
        mai = self.register(
            "canbo.bienphong", "bp-laocai", "Đặng Thị Mai", Sex.FEMALE, 2011, "09",
            came=CameToNotice.BORDER_HANDOVER, days_ago=1, place="Cửa khẩu quốc tế Lào Cai", home="HN",
            home_commune=self.agencies["ubnd-hoankiem"], return_mode=ReturnMode.HANDED_OVER,
        )  # fmt: skip
        self.accept(mai, "repatriation_reception", "syt-laocai", "canbo.baotro", handed_over_hours_after=3)
        actions.do_transition_case(
            Case.objects.get(pk=mai.pk),
            CaseStatus.VERIFYING,
            reason="Bắt đầu xác minh ban đầu cùng công an (minh họa)",
            actor=self.users["canbo.baotro"],
        )
        # Just handed over at the gate: the border guard still leads until Sở Y tế accepts.
        self.register(
            "canbo.bienphong", "bp-laocai", "Lầu Thị Chá", Sex.FEMALE, 2003, "08",
            came=CameToNotice.BORDER_HANDOVER, days_ago=0, place="Cửa khẩu quốc tế Lào Cai",
            return_mode=ReturnMode.HANDED_OVER,
        )  # fmt: skip
        # The commune's own self-report, waiting for Sở Y tế.
        self.register(
            "canbo.xa", "ubnd-batxat", "Giàng Thị Mỷ", Sex.FEMALE, 2004, "08",
            came=CameToNotice.SELF_REPORT, days_ago=2, place="UBND xã Bát Xát", reception_commune=batxat,
        )  # fmt: skip
        # Rescued by the police, identified: Sở Y tế leads, a shelter placement is routed.
        sua = self.register(
            "canbo.congan", "ca-laocai", "Lò Thị Sua", Sex.FEMALE, 1996, "03",
            came=CameToNotice.RESCUE, days_ago=12, place="Bát Xát", reception_commune=batxat,
            return_mode=ReturnMode.RESCUED, forms=["SexualExploitation"],
        )  # fmt: skip
        self.accept(sua, "commune_reception", "ubnd-batxat", "canbo.xa")
        self.accept(sua, "protection_support", "syt-laocai", "canbo.baotro", handed_over_hours_after=2)
        self.through_verification(sua)
        sua = self.identify(sua, is_victim=True)
        self.consent(sua, "ctxh-laocai", ["core", "identity", "health", "shelter"], "Nơi tạm lánh gần nhà (minh họa)")
        self.routing.route_case(sua.pk)
        # Verified by Sở Y tế with the police, documents missing: the police are to decide.
        song = self.register(
            "canbo.bienphong", "bp-laocai", "Mùa Thị Sông", Sex.FEMALE, 1998, "08",
            came=CameToNotice.BORDER_HANDOVER, days_ago=4, place="Cửa khẩu quốc tế Lào Cai",
            return_mode=ReturnMode.HANDED_OVER,
        )  # fmt: skip
        self.accept(song, "repatriation_reception", "syt-laocai", "canbo.baotro", handed_over_hours_after=1)
        self.through_verification(song)
        # Returned at the border gate, found not to be a victim.
        nam = self.register(
            "canbo.bienphong", "bp-laocai", "Hoàng Văn Nam", Sex.MALE, 1990, "02",
            came=CameToNotice.BORDER_HANDOVER, days_ago=20, place="Cửa khẩu quốc tế Lào Cai",
            return_mode=ReturnMode.HANDED_OVER, forms=["ForcedLabour"],
        )  # fmt: skip
        self.accept(nam, "repatriation_reception", "syt-laocai", "canbo.baotro")
        self.through_verification(nam)
        self.identify(nam, is_victim=False)
        # Identified, sheltered at the Peace House, a hardship claim for the Lào Cai supervisor.
        do = self.register(
            "canbo.bienphong", "bp-laocai", "Vàng Thị Dợ", Sex.FEMALE, 2001, "08",
            came=CameToNotice.BORDER_HANDOVER, days_ago=30, place="Cửa khẩu quốc tế Lào Cai",
            return_mode=ReturnMode.HANDED_OVER,
        )  # fmt: skip
        self.accept(do, "repatriation_reception", "syt-laocai", "canbo.baotro")
        self.through_verification(do)
        do = self.identify(do, is_victim=True)
        actions.do_transition_case(
            do, CaseStatus.SUPPORTING, reason="Hỗ trợ theo Điều 37 (minh họa)", actor=self.users["canbo.baotro"]
        )
        self.shelter(do, discharge=False)
        self.claim(do)
        # Identified, sheltered, discharged home to Bát Xát: the commune and the Women's Union follow up.
        hoa = self.register(
            "canbo.bienphong", "bp-laocai", "Trần Thị Hoa", Sex.FEMALE, 1994, "01",
            came=CameToNotice.BORDER_HANDOVER, days_ago=60, place="Cửa khẩu quốc tế Lào Cai",
            home_commune=batxat, return_mode=ReturnMode.HANDED_OVER,
        )  # fmt: skip
        self.accept(hoa, "repatriation_reception", "syt-laocai", "canbo.baotro")
        self.through_verification(hoa)
        hoa = self.identify(hoa, is_victim=True)
        actions.do_transition_case(
            hoa, CaseStatus.SUPPORTING, reason="Hỗ trợ theo Điều 37 (minh họa)", actor=self.users["canbo.baotro"]
        )
        self.shelter(hoa, discharge=True)
        self.incident([Case.objects.get(pk=sua.pk), Case.objects.get(pk=do.pk)])
        # Registered twice by mistake: closed.
        tua = self.register(
            "canbo.congan", "ca-laocai", "Sùng A Tủa", Sex.MALE, 2010, "08",
            came=CameToNotice.OTHER, days_ago=50, place="Trụ sở Công an tỉnh",
        )  # fmt: skip
        actions.do_transition_case(
            tua, CaseStatus.CLOSED, reason="Trùng với hồ sơ đã có (minh họa)", actor=self.users["canbo.congan"]
        )
