"""The referral purposes of Regulation 2548/QCPH and Law 53, as data.

The law says "immediately" for most steps; DESIGN.md §7 makes that a number of hours per
purpose. The numbers below are project defaults for an administrator to adjust; only the
3 days of initial verification (Law 53 art. 27(3)) are statutory.
"""

# code: (vi, en, senders, receivers, classes, consent required, ack h, decide h, handover h, basis)
PURPOSES = {
    "verification": (
        "Xác minh ban đầu",
        "Initial verification",
        ["social_protection", "commune", "border_guard", "coast_guard"],
        ["police"],
        ["core", "identity", "investigation"],
        False,
        24,
        48,
        None,
        "Luật 53/2024 Điều 27 khoản 3 (chậm nhất 03 ngày)",
    ),
    "protection_support": (
        "Tiếp nhận, bảo vệ và hỗ trợ",
        "Protection and support",
        ["commune", "police", "border_guard", "coast_guard", "womens_union", "ngo"],
        ["social_protection"],
        ["core", "identity", "health", "shelter", "support"],
        False,
        4,
        24,
        24,
        "Luật 53/2024 Điều 27 khoản 2 (ngay lập tức)",
    ),
    "shelter_placement": (
        "Bố trí nơi tạm lánh",
        "Shelter placement",
        ["social_protection", "police", "border_guard", "commune", "womens_union"],
        ["womens_union", "social_protection", "ngo"],
        ["core", "identity", "health", "shelter"],
        True,
        4,
        24,
        24,
        "Nghị định 162/2025 Điều 17; Luật 53/2024 Điều 30",
    ),
    "repatriation_reception": (
        "Tiếp nhận nạn nhân trở về",
        "Repatriation reception",
        ["foreign_affairs", "border_guard", "police", "coast_guard"],
        ["social_protection"],
        ["core", "identity", "health", "shelter", "support"],
        False,
        2,
        24,
        24,
        "Luật 53/2024 Điều 30 (ngay lập tức)",
    ),
    "reintegration_followup": (
        "Hỗ trợ tái hòa nhập cộng đồng",
        "Reintegration follow-up",
        ["social_protection", "womens_union", "ngo"],
        ["commune", "womens_union", "social_protection"],
        ["core", "identity", "support"],
        True,
        72,
        168,
        None,
        "Luật 53/2024 Chương V",
    ),
    "legal_aid": (
        "Trợ giúp pháp lý",
        "Legal aid",
        ["social_protection", "police", "border_guard", "womens_union", "commune"],
        ["ngo", "womens_union"],
        ["core", "identity", "investigation"],
        True,
        72,
        168,
        None,
        "Luật Trợ giúp pháp lý Điều 7 khoản 6a (từ 01/7/2025)",
    ),
    "medical": (
        "Hỗ trợ y tế",
        "Medical support",
        ["social_protection", "police", "border_guard", "womens_union", "commune", "ngo"],
        ["social_protection", "ngo"],
        ["core", "identity", "health"],
        True,
        4,
        24,
        None,
        "Luật 53/2024 Điều 37 điểm b",
    ),
}


def load_purposes(apps) -> None:
    Purpose = apps.get_model("referrals", "ReferralPurpose")
    AgencyKind = apps.get_model("casework", "AgencyKind")
    kinds = {kind.code: kind for kind in AgencyKind.objects.all()}
    for order, (code, row) in enumerate(PURPOSES.items()):
        name, name_en, senders, receivers, classes, consent, ack, decide, handover, basis = row
        purpose, created = Purpose.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "classes": classes,
                "consent_required": consent,
                "acknowledge_hours": ack,
                "decide_hours": decide,
                "handover_hours": handover,
                "legal_basis": basis,
                "sort_order": order,
            },
        )
        if created:
            purpose.sender_kinds.set([kinds[kind] for kind in senders])
            purpose.receiver_kinds.set([kinds[kind] for kind in receivers])


# A step still open this many hours after its deadline is escalated to the provincial
# coordinating supervisor (DESIGN.md §7). A project default, admin-editable.
ESCALATE_AFTER_HOURS = 24

# The regulation's routing, as data (DESIGN.md §7, DOMAIN.md §3, Regulation 2548/QCPH).
# code: (vi, en, purpose, sender, sender kinds, after purpose, statuses, came to notice, age,
#        target, target kind, target province, basis)
EARLY = ["reported", "verifying", "identifying"]
RULES = {
    "commune-notifies-social-protection": (
        "UBND xã báo ngay cơ quan bảo trợ xã hội cấp tỉnh",
        "Commune notifies the provincial social-protection agency at once",
        "protection_support",
        "owner",
        ["commune"],
        None,
        EARLY,
        [],
        "any",
        "agency",
        "social_protection",
        "sender",
        "Luật 53/2024 Điều 27 khoản 2",
    ),
    "social-protection-asks-police-to-verify": (
        "Cơ quan bảo trợ xã hội đề nghị công an xác minh (chậm nhất 03 ngày)",
        "Social protection asks the police for initial verification (within 3 days)",
        "verification",
        "owner",
        ["social_protection"],
        None,
        ["reported", "verifying"],
        [],
        "any",
        "agency",
        "police",
        "sender",
        "Luật 53/2024 Điều 27 khoản 3",
    ),
    "received-from-commune-asks-police-to-verify": (
        "Sau khi tiếp nhận từ xã, đề nghị công an xác minh (chậm nhất 03 ngày)",
        "After receiving from the commune, ask the police for initial verification (within 3 days)",
        "verification",
        "receiver",
        ["social_protection"],
        "protection_support",
        ["reported", "verifying"],
        [],
        "any",
        "agency",
        "police",
        "sender",
        "Luật 53/2024 Điều 27 khoản 3",
    ),
    "returned-to-home-province": (
        "Người trở về qua cửa khẩu hoặc cơ quan đại diện: chuyển cơ quan bảo trợ xã hội tỉnh nơi cư trú",
        "Returned at a border gate or through a mission: to the social-protection agency of the home province",
        "repatriation_reception",
        "owner",
        ["border_guard", "coast_guard", "police", "foreign_affairs"],
        None,
        EARLY,
        ["border_handover", "mission_return"],
        "any",
        "agency",
        "social_protection",
        "home",
        "Luật 53/2024 Điều 30; Thông tư liên tịch 01/2014 (bàn giao tại cửa khẩu)",
    ),
    "shelter-after-protection": (
        "Bố trí nơi tạm lánh còn giường, gần nơi cư trú nhất",
        "Shelter with a free bed, nearest to home first",
        "shelter_placement",
        "receiver",
        ["social_protection"],
        "protection_support",
        [],
        [],
        "any",
        "facility",
        None,
        "home",
        "Luật 53/2024 Điều 30; Nghị định 162/2025 Điều 17",
    ),
    "shelter-after-repatriation": (
        "Người trở về cần nơi tạm lánh: cơ sở còn giường, gần nơi cư trú nhất",
        "Returned person needing shelter: a facility with a free bed, nearest to home first",
        "shelter_placement",
        "receiver",
        ["social_protection"],
        "repatriation_reception",
        [],
        [],
        "any",
        "facility",
        None,
        "home",
        "Luật 53/2024 Điều 30",
    ),
}


def load_rules(apps) -> None:
    Purpose = apps.get_model("referrals", "ReferralPurpose")
    Rule = apps.get_model("referrals", "RoutingRule")
    AgencyKind = apps.get_model("casework", "AgencyKind")
    Purpose.objects.filter(escalate_after_hours__isnull=True).update(escalate_after_hours=ESCALATE_AFTER_HOURS)
    purposes = {purpose.code: purpose for purpose in Purpose.objects.all()}
    kinds = {kind.code: kind for kind in AgencyKind.objects.all()}
    for order, (code, row) in enumerate(RULES.items()):
        name, name_en, purpose, sender, senders, after, statuses, notice, age, target, kind, province, basis = row
        rule, created = Rule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "purpose": purposes[purpose],
                "sender": sender,
                "after_purpose": purposes[after] if after else None,
                "case_statuses": statuses,
                "came_to_notice": notice,
                "age": age,
                "target": target,
                "target_kind": kinds[kind] if kind else None,
                "target_province": province,
                "legal_basis": basis,
                "sort_order": order,
            },
        )
        if created:
            rule.sender_kinds.set([kinds[code] for code in senders])
