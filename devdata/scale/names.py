"""Fictional Vietnamese-looking names, composed from lists of family, middle and given names.

No list entry is a person: a full name is drawn at random from parts, so any resemblance to a
real person is chance. The family names follow the ethnic group (Mông, Thái, Dao, Tày, Nùng,
Khơ-me and Kinh family names differ), which keeps the name search realistic ("dang" must find
"Đặng", "nguyen thi lan" must find "Nguyễn Thị Lan").
"""

import random

# (family names with weights) per naming tradition; the ethnic group codes of
# casework/data/ethnic_groups.json map to a tradition below.
FAMILY = {
    "kinh": [
        ("Nguyễn", 30),
        ("Trần", 10),
        ("Lê", 9),
        ("Phạm", 7),
        ("Hoàng", 5),
        ("Huỳnh", 4),
        ("Phan", 4),
        ("Vũ", 4),
        ("Võ", 3),
        ("Đặng", 3),
        ("Bùi", 3),
        ("Đỗ", 3),
        ("Hồ", 2),
        ("Ngô", 2),
        ("Dương", 2),
        ("Lý", 1),
        ("Đinh", 2),
        ("Đoàn", 1),
        ("Trương", 1),
        ("Lương", 1),
    ],
    "mong": [("Giàng", 20), ("Sùng", 15), ("Vàng", 15), ("Thào", 12), ("Lý", 8), ("Mùa", 8), ("Hờ", 6), ("Lầu", 6)],
    "thai": [("Lò", 20), ("Lường", 12), ("Cầm", 8), ("Quàng", 8), ("Tòng", 8), ("Vi", 6), ("Hà", 8), ("Sầm", 6)],
    "dao": [("Bàn", 20), ("Triệu", 20), ("Chảo", 12), ("Đặng", 15), ("Lý", 10), ("Phùn", 5), ("Tẩn", 6)],
    "tay_nung": [("Hoàng", 20), ("Nông", 15), ("Lục", 8), ("Ma", 8), ("Hà", 8), ("Lương", 8), ("Vi", 6), ("Đàm", 5)],
    "khmer": [("Thạch", 25), ("Sơn", 15), ("Danh", 20), ("Kim", 10), ("Lâm", 10), ("Chau", 10), ("Trần", 5)],
    "central": [("Hồ", 15), ("Lò", 10), ("Vi", 8), ("Lang", 8), ("Kpă", 6), ("Rơ Châm", 5), ("Y", 4), ("Nguyễn", 10)],
}
FEMALE_GIVEN = {
    "kinh": [
        "Lan",
        "Mai",
        "Hoa",
        "Hương",
        "Hạnh",
        "Thu",
        "Ngọc",
        "Linh",
        "Trang",
        "Nga",
        "Dung",
        "Hằng",
        "Huyền",
        "Thảo",
        "Yến",
        "Nhung",
        "Phương",
        "Vân",
        "Xuân",
        "Loan",
        "Quỳnh",
        "Hiền",
        "Thúy",
        "My",
        "Diệu",
        "Ánh",
        "Giang",
        "Oanh",
    ],
    "mong": ["Mỷ", "Sua", "Dợ", "Páo", "Pằng", "Súa", "Dua", "Mai", "Chở", "Dính", "Sênh", "Ly", "Say", "Xí"],
    "thai": ["Ín", "Ơn", "Xuân", "Thanh", "Mai", "Lả", "Bích", "Chăm", "Ỏn", "Hoa", "Lan", "Phăn"],
    "dao": ["Mẩy", "Phù", "Chàm", "Lở", "Sành", "Nái", "Mai", "Vẩn", "Chài", "Ty"],
    "tay_nung": ["Lan", "Nhài", "Đào", "Hoa", "Hiền", "Thắm", "Nga", "Mến", "Tươi", "Vui"],
    "khmer": ["Sa Rây", "Sóc Kha", "Thị Mỹ", "Chanh Đa", "Ngọc", "Sô Phi", "Đa Ra", "Kim Hoa"],
    "central": ["H'Lan", "H'Nga", "Hiên", "Blơ", "Ún", "Thị", "Nhi", "Phương"],
}
MALE_GIVEN = {
    "kinh": ["Nam", "Hùng", "Tuấn", "Dũng", "Minh", "Phúc", "Long", "Sơn", "Thắng", "Hải", "Quân", "Đức", "Khánh"],
    "mong": ["Tủa", "Páo", "Chứ", "Dình", "Sử", "Lềnh", "Chính", "Vư", "Súa", "Dế"],
    "thai": ["Ước", "Khằm", "Ón", "Pánh", "Thiêm", "Ơn", "Văn"],
    "dao": ["Quẩy", "Phủ", "Chòi", "Láo", "Tả", "Sai"],
    "tay_nung": ["Thành", "Lợi", "Tâm", "Hòa", "Bình", "Vinh"],
    "khmer": ["Sóc", "Đa", "Ri", "Thol", "Kha", "Sa"],
    "central": ["Blúp", "Y Đin", "Hoan", "Rơ", "Kiên"],
}
# Mông men carry "A" as a middle name; most others "Văn" for men and "Thị" for women.
MALE_MIDDLE = {"mong": ["A", "A", "Văn"], "khmer": ["", "Văn"], "central": ["Văn", ""]}
FEMALE_MIDDLE = {"khmer": ["Thị", ""], "central": ["Thị", ""]}
ALIASES = ["A Mỷ", "Tiểu Lan", "Mai Mai", "Xiao Hua", "A Hoa", "Lily", "Bé Út", "Cô Ba"]

# Ethnic group code → naming tradition (codes of casework/data/ethnic_groups.json).
TRADITION = {
    "01": "kinh",
    "02": "tay_nung",
    "03": "thai",
    "04": "kinh",
    "05": "khmer",
    "06": "thai",
    "07": "tay_nung",
    "08": "mong",
    "09": "dao",
    "10": "central",
    "12": "central",
    "13": "central",
    "17": "central",
    "25": "tay_nung",
    "29": "thai",
    "35": "mong",
    "43": "mong",
}


def _weighted(rng: random.Random, pairs):
    names, weights = zip(*pairs, strict=True)
    return rng.choices(names, weights=weights)[0]


def person_name(rng: random.Random, *, female: bool, ethnicity_code: str | None) -> str:
    tradition = TRADITION.get(ethnicity_code or "01", "kinh")
    family = _weighted(rng, FAMILY[tradition])
    if female:
        middle = rng.choice(FEMALE_MIDDLE.get(tradition, ["Thị"]))
        given = rng.choice(FEMALE_GIVEN[tradition])
    else:
        middle = rng.choice(MALE_MIDDLE.get(tradition, ["Văn"]))
        given = rng.choice(MALE_GIVEN[tradition])
    return " ".join(part for part in (family, middle, given) if part)


def staff_name(rng: random.Random) -> str:
    """Staff are named like the Kinh majority, with now and then a minority family name."""
    tradition = "kinh" if rng.random() < 0.8 else rng.choice(["tay_nung", "thai", "mong"])
    return person_name(
        rng,
        female=rng.random() < 0.5,
        ethnicity_code={"tay_nung": "02", "thai": "03", "mong": "08"}.get(tradition, "01"),
    )


def alias(rng: random.Random) -> str:
    return rng.choice(ALIASES)
