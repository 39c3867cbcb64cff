"""The referral purposes and routing rules of Law 53 and Regulation 2548/QCPH, as data.

The law says "immediately" for most steps; docs/responsibility.md makes that a number of hours per
purpose. The numbers below are project defaults for an administrator to adjust; only the
3 days of initial verification (Law 53 art. 27(3)) are statutory.

To add a routing rule: add an entry to RULES (its legal basis in `basis`), and a data migration
that calls `load_rules` (it creates what is missing and never overwrites an administrator's
edits); or add it in the admin (Routing rules).
"""

ALL_KINDS = [
    "police",
    "border_guard",
    "coast_guard",
    "social_protection",
    "womens_union",
    "commune",
    "foreign_affairs",
    "ngo",
]
FRONT_LINE = ["police", "border_guard", "coast_guard"]

# code: vi, en, senders, receivers, lead (receivers that become the lead on acceptance), classes,
# consent required, hours to acknowledge / decide / hand over, legal basis.
PURPOSES = {
    "verification": {
        "vi": "Xác minh ban đầu",
        "en": "Initial verification",
        "senders": ["social_protection", "commune", "border_guard", "coast_guard"],
        "receivers": ["police"],
        "lead": [],
        "classes": ["core", "identity", "investigation"],
        "consent": False,
        "hours": (24, 48, None),
        "basis": "Luật 53/2024 Điều 27 khoản 3 (chậm nhất 03 ngày)",
    },
    "protection_support": {
        "vi": "Tiếp nhận, bảo vệ và hỗ trợ",
        "en": "Protection and support",
        # A social agency elsewhere (the national hotline 111, another province) hands the
        # person to the provincial agency where she is.
        "senders": ["commune", "police", "border_guard", "coast_guard", "womens_union", "ngo", "social_protection"],
        "receivers": ["social_protection"],
        "lead": ["social_protection"],
        "classes": ["core", "identity", "health", "shelter", "support"],
        "consent": False,
        "hours": (4, 24, 24),
        "basis": "Luật 53/2024 Điều 27 khoản 2 (ngay lập tức)",
    },
    "shelter_placement": {
        "vi": "Bố trí nơi tạm lánh",
        "en": "Shelter placement",
        "senders": ["social_protection", "police", "border_guard", "commune", "womens_union"],
        "receivers": ["womens_union", "social_protection", "ngo"],
        "lead": [],
        "classes": ["core", "identity", "health", "shelter"],
        "consent": True,
        "hours": (4, 24, 24),
        "basis": "Nghị định 162/2025 Điều 17; Luật 53/2024 Điều 30",
    },
    "repatriation_reception": {
        "vi": "Tiếp nhận nạn nhân trở về",
        "en": "Repatriation reception",
        "senders": ["foreign_affairs", "border_guard", "police", "coast_guard"],
        "receivers": ["social_protection"],
        "lead": ["social_protection"],
        "classes": ["core", "identity", "health", "shelter", "support"],
        "consent": False,
        "hours": (2, 24, 24),
        "basis": "Luật 53/2024 Điều 30 khoản 1 điểm b (ngay lập tức)",
    },
    "reintegration_followup": {
        "vi": "Hỗ trợ tái hòa nhập cộng đồng",
        "en": "Reintegration follow-up",
        # The police or border guard may still lead when she goes home (no social agency took
        # the case): they must be able to hand her to her commune too.
        "senders": [
            "social_protection",
            "womens_union",
            "ngo",
            "police",
            "border_guard",
            "coast_guard",
            "commune",
        ],
        "receivers": ["commune", "womens_union", "social_protection"],
        "lead": ["commune"],
        "classes": ["core", "identity", "support"],
        "consent": True,
        "hours": (72, 168, None),
        "basis": "Luật 53/2024 Chương V",
    },
    "legal_aid": {
        "vi": "Trợ giúp pháp lý",
        "en": "Legal aid",
        "senders": ["social_protection", "police", "border_guard", "womens_union", "commune"],
        "receivers": ["ngo", "womens_union"],
        "lead": [],
        "classes": ["core", "identity", "investigation"],
        "consent": True,
        "hours": (72, 168, None),
        "basis": "Luật Trợ giúp pháp lý Điều 7 khoản 6a (từ 01/7/2025)",
    },
    "medical": {
        "vi": "Hỗ trợ y tế",
        "en": "Medical support",
        "senders": ["social_protection", "police", "border_guard", "womens_union", "commune", "ngo"],
        "receivers": ["social_protection", "ngo"],
        "lead": [],
        "classes": ["core", "identity", "health"],
        "consent": True,
        "hours": (4, 24, None),
        "basis": "Luật 53/2024 Điều 37 điểm b",
    },
    "commune_reception": {
        "vi": "Đưa người đến UBND xã nơi tiếp nhận",
        "en": "Bringing the person to the commune of reception",
        "senders": ["police", "border_guard", "coast_guard", "social_protection", "womens_union", "ngo"],
        "receivers": ["commune"],
        "lead": [],
        "classes": ["core", "identity", "support"],
        "consent": False,
        "hours": (4, 24, 24),
        "basis": "Luật 53/2024 Điều 27 khoản 1 (ngay lập tức)",
    },
    "lead_transfer": {
        "vi": "Chuyển giao chủ trì hồ sơ",
        "en": "Transfer of the lead",
        "senders": ALL_KINDS,
        "receivers": ALL_KINDS,
        "lead": ALL_KINDS,
        "classes": ["core", "identity", "health", "investigation", "shelter", "support"],
        "consent": True,
        "hours": (24, 48, None),
        "basis": "Quy chế phối hợp 2548/QCPH-LĐTBXH-CA-QP-NG",
    },
}


def _has_field(model, name: str) -> bool:
    """Older migrations run these loaders with historical models that lack later fields."""
    return any(field.name == name for field in model._meta.get_fields())


def load_purposes(apps) -> None:
    """Create the purposes that are missing; an existing purpose keeps an administrator's edits."""
    Purpose = apps.get_model("referrals", "ReferralPurpose")
    AgencyKind = apps.get_model("casework", "AgencyKind")
    kinds = {kind.code: kind for kind in AgencyKind.objects.all()}
    has_lead = _has_field(Purpose, "lead_receiver_kinds")
    for order, (code, row) in enumerate(PURPOSES.items()):
        acknowledge, decide, handover = row["hours"]
        purpose, created = Purpose.objects.get_or_create(
            code=code,
            defaults={
                "name": row["vi"],
                "name_en": row["en"],
                "classes": row["classes"],
                "consent_required": row["consent"],
                "acknowledge_hours": acknowledge,
                "decide_hours": decide,
                "handover_hours": handover,
                "legal_basis": row["basis"],
                "sort_order": order,
            },
        )
        if created:
            purpose.sender_kinds.set([kinds[kind] for kind in row["senders"]])
            purpose.receiver_kinds.set([kinds[kind] for kind in row["receivers"]])
        if created and has_lead:
            purpose.lead_receiver_kinds.set([kinds[kind] for kind in row["lead"]])


# A step still open this many hours after its deadline is escalated to the provincial
# coordinating supervisor (docs/responsibility.md). A project default, admin-editable.
ESCALATE_AFTER_HOURS = 24

EARLY = ["reported", "verifying", "identifying"]
# How a person came to notice when a front-line agency met her in Vietnam (Law 53 art. 27(1)).
MET_IN_VIETNAM = ["self_report", "rescue"]

# The regulation's routing, as data (docs/responsibility.md, docs/domain.md §3). Keys of a rule:
#   purpose; sender ("owner" or "receiver" of an accepted `after` referral) and sender kinds
#   (empty: any); statuses (empty: any before closure); notice (how she came to notice, empty:
#   any); age ("any", "children", "adults"); nationality ("any", "vietnamese", "foreign");
#   target ("agency", "facility", "reception_commune", "home_commune", "task") with its kind and
#   province ("sender", "reception", "home"); task and hours for task rules; active; basis.
RULES = {
    "commune-notifies-social-protection": {
        "vi": "UBND xã báo ngay cơ quan bảo trợ xã hội cấp tỉnh",
        "en": "Commune notifies the provincial social-protection agency at once",
        "purpose": "protection_support",
        "senders": ["commune"],
        "statuses": EARLY,
        "target": "agency",
        "kind": "social_protection",
        "province": "sender",
        "basis": "Luật 53/2024 Điều 27 khoản 2",
    },
    "front-line-to-reception-commune": {
        "vi": "Công an, Biên phòng, Cảnh sát biển tiếp nhận: đưa người đến UBND xã nơi tiếp nhận",
        "en": "Police, border guard or coast guard received the person: bring her to the commune of reception",
        "purpose": "commune_reception",
        "senders": FRONT_LINE,
        "statuses": EARLY,
        "notice": MET_IN_VIETNAM,
        "target": "reception_commune",
        "basis": "Luật 53/2024 Điều 27 khoản 1",
    },
    "front-line-to-social-protection": {
        "vi": "Công an, Biên phòng, Cảnh sát biển tiếp nhận: báo ngay cơ quan bảo trợ xã hội tỉnh nơi tiếp nhận",
        "en": "Police, border guard or coast guard received the person: the social agency of the province at once",
        "purpose": "protection_support",
        "senders": FRONT_LINE,
        "statuses": EARLY,
        "notice": MET_IN_VIETNAM,
        "target": "agency",
        "kind": "social_protection",
        "province": "reception",
        "basis": "Luật 53/2024 Điều 27 khoản 1 và 2",
    },
    "hotline-to-reception-commune": {
        "vi": "Tin báo qua Tổng đài 111: UBND xã nơi phát hiện",
        "en": "Report to hotline 111: the commune where the person is",
        "purpose": "commune_reception",
        "statuses": EARLY,
        "notice": ["hotline_111"],
        "target": "reception_commune",
        "basis": "Nghị định 162/2025 Điều 4–5; Luật 53/2024 Điều 27 khoản 1",
    },
    "hotline-to-social-protection": {
        "vi": "Tin báo qua Tổng đài 111: cơ quan bảo trợ xã hội tỉnh nơi phát hiện",
        "en": "Report to hotline 111: the social agency of the province where the person is",
        "purpose": "protection_support",
        "statuses": EARLY,
        "notice": ["hotline_111"],
        "target": "agency",
        "kind": "social_protection",
        "province": "reception",
        "basis": "Nghị định 162/2025 Điều 4–5; Luật 53/2024 Điều 27 khoản 2",
    },
    "social-protection-asks-police-to-verify": {
        "vi": "Cơ quan bảo trợ xã hội đề nghị công an xác minh (chậm nhất 03 ngày)",
        "en": "Social protection asks the police for initial verification (within 3 days)",
        "purpose": "verification",
        "senders": ["social_protection"],
        "statuses": ["reported", "verifying"],
        "target": "agency",
        "kind": "police",
        "province": "sender",
        "basis": "Luật 53/2024 Điều 27 khoản 3",
    },
    # Replaced by the lead transfer: the agency that accepts protection leads the case, so the
    # rule above applies to it as the owner. Kept (inactive) for the decisions it recorded.
    "received-from-commune-asks-police-to-verify": {
        "vi": "Sau khi tiếp nhận từ xã, đề nghị công an xác minh (chậm nhất 03 ngày)",
        "en": "After receiving from the commune, ask the police for initial verification (within 3 days)",
        "purpose": "verification",
        "sender": "receiver",
        "senders": ["social_protection"],
        "after": "protection_support",
        "statuses": ["reported", "verifying"],
        "target": "agency",
        "kind": "police",
        "province": "sender",
        "active": False,
        "basis": "Luật 53/2024 Điều 27 khoản 3",
    },
    # Replaced by the rule below: art. 30(1)(b) sends her to the social agency of the place of
    # reception, not of her home. Kept (inactive) for the decisions it recorded.
    "returned-to-home-province": {
        "vi": "Người trở về qua cửa khẩu hoặc cơ quan đại diện: chuyển cơ quan bảo trợ xã hội tỉnh nơi cư trú",
        "en": "Returned at a border gate or through a mission: to the social-protection agency of the home province",
        "purpose": "repatriation_reception",
        "senders": ["border_guard", "coast_guard", "police", "foreign_affairs"],
        "statuses": EARLY,
        "notice": ["border_handover", "mission_return"],
        "target": "agency",
        "kind": "social_protection",
        "province": "home",
        "active": False,
        "basis": "Luật 53/2024 Điều 30; Thông tư liên tịch 01/2014 (bàn giao tại cửa khẩu)",
    },
    "returned-to-reception-province": {
        "vi": "Người trở về qua cửa khẩu hoặc cơ quan đại diện: chuyển ngay cơ quan bảo trợ xã hội tỉnh nơi tiếp nhận",
        "en": "Returned at a border gate or through a mission: to the social agency of the province of reception",
        "purpose": "repatriation_reception",
        "senders": ["border_guard", "coast_guard", "police", "foreign_affairs"],
        "statuses": EARLY,
        "notice": ["border_handover", "mission_return"],
        "target": "agency",
        "kind": "social_protection",
        "province": "reception",
        "basis": "Luật 53/2024 Điều 30 khoản 1 điểm b; Thông tư liên tịch 01/2014 (bàn giao tại cửa khẩu)",
    },
    "returned-child-collection": {
        "vi": "Trẻ em trở về: thông báo người thân đến đón hoặc bố trí người đưa về",
        "en": "A returned child: notify relatives to collect the child or arrange an escort",
        "purpose": "repatriation_reception",
        "statuses": EARLY,
        "notice": ["border_handover", "mission_return"],
        "age": "children",
        "target": "task",
        "task": "child_collection",
        "task_hours": 24,
        "basis": "Luật 53/2024 Điều 30",
    },
    "foreign-national-to-police": {
        "vi": "Người nước ngoài: đề nghị công an (xuất nhập cảnh) tỉnh nơi tiếp nhận xác minh",
        "en": "A foreign national: the police (immigration) of the province of reception verify",
        "purpose": "verification",
        "senders": ["social_protection", "commune", "border_guard", "coast_guard"],
        "statuses": EARLY,
        "nationality": "foreign",
        "target": "agency",
        "kind": "police",
        "province": "reception",
        # docs/domain.md §3: the content of art. 31 (foreign victims) is not verified.
        "basis": "Luật 53/2024 Điều 31 (nội dung chưa được xác minh; quản trị viên kiểm tra)",
    },
    "shelter-after-protection": {
        "vi": "Bố trí nơi tạm lánh còn giường, gần nơi cư trú nhất",
        "en": "Shelter with a free bed, nearest to home first",
        "purpose": "shelter_placement",
        "sender": "receiver",
        "senders": ["social_protection"],
        "after": "protection_support",
        "target": "facility",
        "province": "home",
        "basis": "Luật 53/2024 Điều 30; Nghị định 162/2025 Điều 17",
    },
    "shelter-after-repatriation": {
        "vi": "Người trở về cần nơi tạm lánh: cơ sở còn giường, gần nơi cư trú nhất",
        "en": "Returned person needing shelter: a facility with a free bed, nearest to home first",
        "purpose": "shelter_placement",
        "sender": "receiver",
        "senders": ["social_protection"],
        "after": "repatriation_reception",
        "target": "facility",
        "province": "home",
        "basis": "Luật 53/2024 Điều 30",
    },
    "reintegration-to-home-commune": {
        "vi": "Tái hòa nhập: chuyển UBND xã nơi cư trú theo dõi, hỗ trợ",
        "en": "Reintegration: the home commune follows up and supports",
        "purpose": "reintegration_followup",
        "statuses": ["reintegrating"],
        "target": "home_commune",
        "basis": "Luật 53/2024 Chương V",
    },
    "reintegration-womens-union": {
        "vi": "Tái hòa nhập: Hội LHPN tỉnh nơi cư trú cùng hỗ trợ",
        "en": "Reintegration: the Women's Union of the home province supports too",
        "purpose": "reintegration_followup",
        "statuses": ["reintegrating"],
        "target": "agency",
        "kind": "womens_union",
        "province": "home",
        "basis": "Luật 53/2024 Chương V",
    },
}
# The rules of the first release, which a database migrated from scratch gets before the rules
# gained nationality conditions and commune and task targets (referrals migration 0007).
FIRST_RULES = {
    "commune-notifies-social-protection",
    "social-protection-asks-police-to-verify",
    "received-from-commune-asks-police-to-verify",
    "returned-to-home-province",
    "shelter-after-protection",
    "shelter-after-repatriation",
}


def load_rules(apps) -> None:
    """Create the rules that are missing; an existing rule keeps an administrator's edits."""
    Purpose = apps.get_model("referrals", "ReferralPurpose")
    Rule = apps.get_model("referrals", "RoutingRule")
    AgencyKind = apps.get_model("casework", "AgencyKind")
    Purpose.objects.filter(escalate_after_hours__isnull=True).update(escalate_after_hours=ESCALATE_AFTER_HOURS)
    purposes = {purpose.code: purpose for purpose in Purpose.objects.all()}
    kinds = {kind.code: kind for kind in AgencyKind.objects.all()}
    current = _has_field(Rule, "task_kind")
    for order, (code, row) in enumerate(RULES.items()):
        if (not current and code not in FIRST_RULES) or row["purpose"] not in purposes:
            continue
        defaults = {
            "name": row["vi"],
            "name_en": row["en"],
            "purpose": purposes[row["purpose"]],
            "sender": row.get("sender", "owner"),
            "after_purpose": purposes[row["after"]] if row.get("after") else None,
            "case_statuses": row.get("statuses", []),
            "came_to_notice": row.get("notice", []),
            "age": row.get("age", "any"),
            "target": row["target"],
            "target_kind": kinds[row["kind"]] if row.get("kind") else None,
            "target_province": row.get("province", "sender"),
            "legal_basis": row["basis"],
            "is_active": row.get("active", True),
            "sort_order": order,
        }
        if current:
            defaults |= {
                "nationality": row.get("nationality", "any"),
                "task_kind": row.get("task", ""),
                "task_hours": row.get("task_hours"),
            }
        rule, created = Rule.objects.get_or_create(code=code, defaults=defaults)
        if created:
            rule.sender_kinds.set([kinds[kind] for kind in row.get("senders", [])])


def load_chain_of_responsibility(apps) -> None:
    """The upgrade of a database seeded before the lead agency existed (issue 14): new purposes
    and rules, which receivers take the lead, who may hand a person to her commune, the rules
    replaced by the lead transfer deactivated, and the order of the rules as above."""
    load_purposes(apps)
    Purpose = apps.get_model("referrals", "ReferralPurpose")
    Rule = apps.get_model("referrals", "RoutingRule")
    AgencyKind = apps.get_model("casework", "AgencyKind")
    kinds = {kind.code: kind for kind in AgencyKind.objects.all()}
    for code, row in PURPOSES.items():
        purpose = Purpose.objects.filter(code=code).first()
        if purpose is None:
            continue
        if not purpose.lead_receiver_kinds.exists():
            purpose.lead_receiver_kinds.set([kinds[kind] for kind in row["lead"]])
        purpose.sender_kinds.add(*[kinds[kind] for kind in row["senders"]])
    Rule.objects.filter(code__in=["received-from-commune-asks-police-to-verify", "returned-to-home-province"]).update(
        is_active=False
    )
    load_rules(apps)
    for order, code in enumerate(RULES):
        Rule.objects.filter(code=code).update(sort_order=order)
