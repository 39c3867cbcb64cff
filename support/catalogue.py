"""The support catalogue as shipped (docs/domain.md §5). Loaded by a data migration and by
`load_support_catalogue`; idempotent, so a later release can add rows. Amounts docs/domain.md marks
unverified are not here: an administrator enters them as rates."""

L53 = "Luật 53/2024/QH15 Điều 37 khoản 1 điểm {point}"
D162 = "Nghị định 162/2025/NĐ-CP"
# docs/domain.md sources Decree 09/2013 for the 2011 regime and no amendment of it (Decree 20/2021
# is the social assistance decree that sets the standard level, not an amendment of 09/2013).
D09 = "Nghị định 09/2013/NĐ-CP"
L66 = "Luật 66/2011/QH12 Điều 32"

# code: (regime, point, vi, en, legal basis, amount kind, cap days, extendable, claim form,
#        decision working days, claim within months, poor households only, counts shelter days)
ITEMS = {
    "l53-a": (
        "law_2024",
        "a",
        "Hỗ trợ nhu cầu thiết yếu",
        "Essential needs",
        L53.format(point="a") + f"; {D162} Điều 17",
        "per_day",
        120,
        True,
        "",
        None,
        None,
        False,
        True,
    ),  # noqa: E501
    "l53-b": (
        "law_2024",
        "b",
        "Hỗ trợ y tế",
        "Medical support",
        L53.format(point="b"),
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "l53-c": (
        "law_2024",
        "c",
        "Hỗ trợ phiên dịch",
        "Interpretation",
        L53.format(point="c"),
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "l53-d": (
        "law_2024",
        "d",
        "Thông tin, tư vấn pháp luật",
        "Legal information and advice",
        L53.format(point="d"),
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "l53-dd": (
        "law_2024",
        "đ",
        "Trợ giúp pháp lý",
        "Legal aid",
        L53.format(point="đ"),
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "l53-e": (
        "law_2024",
        "e",
        "Hỗ trợ chi phí đi lại",
        "Travel",
        L53.format(point="e"),
        "fixed",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "l53-g": (
        "law_2024",
        "g",
        "Hỗ trợ tâm lý",
        "Psychological support",
        L53.format(point="g"),
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "l53-h": (
        "law_2024",
        "h",
        "Hỗ trợ giáo dục phổ thông",
        "General education",
        L53.format(point="h") + f"; {D162} Điều 24",
        "in_kind",
        None,
        False,
        "Mẫu số 07",
        9,
        None,
        False,
        False,
    ),  # noqa: E501
    "l53-i": (
        "law_2024",
        "i",
        "Hỗ trợ học nghề, giới thiệu việc làm",
        "Vocational training and job placement",
        L53.format(point="i"),
        "fixed",
        None,
        False,
        "Mẫu số 07",
        9,
        None,
        False,
        False,
    ),  # noqa: E501
    "l53-k": (
        "law_2024",
        "k",
        "Trợ cấp khó khăn ban đầu, hỗ trợ vay vốn",
        "Initial hardship allowance and loans",
        L53.format(point="k"),
        "fixed",
        None,
        False,
        "Mẫu số 07",
        9,
        None,
        False,
        False,
    ),  # noqa: E501
    "d09-meals": (
        "law_2011",
        "",
        "Tiền ăn tại cơ sở",
        "Meals in a facility",
        f"{D09} Điều 19",
        "per_day",
        60,
        False,
        "",
        None,
        None,
        False,
        True,
    ),  # noqa: E501
    "d09-kit": (
        "law_2011",
        "",
        "Quần áo và đồ dùng cá nhân",
        "Clothing and hygiene kit",
        f"{D09} Điều 19",
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "d09-travel": (
        "law_2011",
        "",
        "Tiền ăn đường, tiền tàu xe về nơi cư trú (giá phương tiện công cộng)",
        "Road meals and fare home (public-transport price)",
        f"{D09} Điều 19",
        "fixed",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "d09-medical": (
        "law_2011",
        "",
        "Hỗ trợ y tế và tâm lý",
        "Medical and psychological support",
        f"{D09} Điều 20–21",
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),  # noqa: E501
    "d09-education": (
        "law_2011",
        "",
        "Hỗ trợ học văn hóa (hộ nghèo)",
        "Education support (poor households)",
        f"{D09} Điều 23",
        "in_kind",
        None,
        False,
        "",
        None,
        12,
        True,
        False,
    ),  # noqa: E501
    "d09-vocational": (
        "law_2011",
        "",
        "Hỗ trợ học nghề một lần",
        "One-time vocational support",
        f"{D09} Điều 23",
        "fixed",
        None,
        False,
        "",
        None,
        12,
        False,
        False,
    ),  # noqa: E501
    "d09-hardship": (
        "law_2011",
        "",
        "Trợ cấp khó khăn ban đầu một lần (hộ nghèo)",
        "One-time initial hardship allowance (poor households)",
        f"{D09} Điều 23",
        "fixed",
        None,
        False,
        "",
        None,
        12,
        True,
        False,
    ),  # noqa: E501
    # Law 66/2011 art. 32 lists legal aid and loans among the support regimes of the 2011 law.
    "l66-legal-aid": (
        "law_2011",
        "",
        "Trợ giúp pháp lý",
        "Legal aid",
        L66,
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),
    "l66-loans": (
        "law_2011",
        "",
        "Hỗ trợ vay vốn",
        "Loans",
        L66,
        "in_kind",
        None,
        False,
        "",
        None,
        None,
        False,
        False,
    ),
}

# Who decides claims: the provincial social-protection agency (Department of Health since 2025,
# docs/domain.md §5: "executing body Sở Y tế") for Law 53's Form 07 items. The 2011 regime's claims
# were decided at district level, abolished on 1/7/2025 (docs/domain.md §1); its social-protection
# duties passed to the province, so the same kind decides them.
DECIDING_KIND = dict.fromkeys(
    ["l53-h", "l53-i", "l53-k", "d09-education", "d09-vocational", "d09-hardship"], "social_protection"
)

VICTIM, CHILD, PENDING = "victim", "accompanying_child", "in_identification"

# (items, person statuses, nationality, whereabouts, case by case, reason vi, reason en) — docs/domain.md §5
RULES = [
    (
        ["l53-a", "l53-b", "l53-c", "l53-d", "l53-dd", "l53-e", "l53-g", "l53-h", "l53-i", "l53-k"],
        [VICTIM],
        "vietnamese",
        "any",
        False,  # noqa: E501
        "nạn nhân là công dân Việt Nam hoặc người không quốc tịch thường trú tại Việt Nam",
        "a victim who is a Vietnamese citizen or a stateless resident",
    ),  # noqa: E501
    (
        ["l53-a", "l53-b", "l53-c", "l53-d", "l53-dd", "l53-e", "l53-g", "l53-h"],
        [CHILD],
        "any",
        "any",
        False,
        "người dưới 18 tuổi đi cùng nạn nhân",
        "an under-18 accompanying a victim",
    ),
    (
        ["l53-a", "l53-b", "l53-c", "l53-d"],
        [PENDING],
        "vietnamese",
        "abroad",
        False,
        "người đang trong quá trình xác định là nạn nhân, đang ở nước ngoài",
        "a person in identification who is abroad",
    ),  # noqa: E501
    (
        ["l53-a", "l53-b", "l53-c", "l53-d", "l53-dd", "l53-e", "l53-g"],
        [PENDING],
        "vietnamese",
        "in_vietnam",
        False,
        "người đang trong quá trình xác định là nạn nhân, đang ở Việt Nam",
        "a person in identification who is in Vietnam",
    ),  # noqa: E501
    (
        ["l53-a", "l53-b", "l53-c", "l53-d", "l53-dd", "l53-g"],
        [VICTIM, PENDING],
        "foreign",
        "in_vietnam",
        True,
        "người nước ngoài bị mua bán tại Việt Nam (xem xét từng trường hợp)",
        "a foreigner trafficked in Vietnam (case by case)",
    ),  # noqa: E501
    (
        ["d09-meals", "d09-kit", "d09-travel", "d09-medical"],
        [VICTIM, PENDING, CHILD],
        "any",
        "any",
        False,
        "nạn nhân, người đang chờ xác minh hoặc người chưa thành niên đi cùng",
        "a victim, a person awaiting verification or an accompanying minor",
    ),  # noqa: E501
    (
        ["d09-education", "d09-vocational", "d09-hardship"],
        [VICTIM],
        "vietnamese",
        "any",
        False,
        "nạn nhân là công dân Việt Nam",
        "a victim who is a Vietnamese citizen",
    ),
    (
        ["l66-legal-aid", "l66-loans"],
        [VICTIM],
        "vietnamese",
        "any",
        False,
        "nạn nhân là công dân Việt Nam",
        "a victim who is a Vietnamese citizen",
    ),
]

# The standard social assistance level (docs/domain.md §5): national amounts, VND a month.
STANDARD_LEVELS = [
    ("2021-07-01", 360_000, "Nghị định 20/2021/NĐ-CP Điều 4"),
    ("2024-07-01", 500_000, "Nghị định 76/2024/NĐ-CP"),
]


def load_support_catalogue(apps=None, app_label: str = "support") -> None:
    """Create or update the shipped items, rules and national standard levels. `app_label`:
    casework's migrations, written before the models moved to `support`, load with "casework"."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    SupportItem = apps.get_model(app_label, "SupportItem")
    EligibilityRule = apps.get_model(app_label, "EligibilityRule")
    StandardLevel = apps.get_model(app_label, "StandardLevel")
    AgencyKind = apps.get_model("casework", "AgencyKind")
    # The 0008 migration loads with a model that predates the deciding agency kind.
    has_deciding = any(field.name == "deciding_kind" for field in SupportItem._meta.get_fields())
    kinds = {kind.code: kind for kind in AgencyKind.objects.all()}
    items = {}
    for order, (code, row) in enumerate(ITEMS.items()):
        regime, point, name, name_en, basis, kind, cap, extendable, form, days, months, poor, shelter_days = row
        extra = {"deciding_kind": kinds.get(DECIDING_KIND.get(code, ""))} if has_deciding else {}
        items[code], _created = SupportItem.objects.update_or_create(
            code=code,
            defaults=extra
            | {
                "regime": regime,
                "point": point,
                "name": name,
                "name_en": name_en,
                "legal_basis": basis,
                "amount_kind": kind,
                "cap_days": cap,
                "extendable": extendable,
                "claim_form": form,
                "decision_working_days": days,
                "claim_within_months": months,
                "poor_household_only": poor,
                "counts_shelter_days": shelter_days,
                "sort_order": order,
            },
        )
    # A rule is created once; an administrator's later edit of it is kept.
    for codes, statuses, nationality, whereabouts, case_by_case, reason, reason_en in RULES:
        for code in codes:
            EligibilityRule.objects.get_or_create(
                item=items[code],
                nationality=nationality,
                whereabouts=whereabouts,
                reason=reason,
                defaults={"person_statuses": statuses, "case_by_case": case_by_case, "reason_en": reason_en},
            )
    for effective_from, amount, basis in STANDARD_LEVELS:
        StandardLevel.objects.get_or_create(
            province=None, effective_from=effective_from, defaults={"amount_vnd": amount, "legal_basis": basis}
        )
