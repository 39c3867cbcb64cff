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
