"""Where the scale data happens: a profile per province (how many cases it receives, which
borders it has, which ethnic groups live there) and the agencies and shelters each has.

The weights skew the volume to the border provinces, as the public figures do (docs/domain.md §7
and §10: most victims are taken to China, Cambodia and Laos, mostly from remote border areas),
so the Lào Cai police end up owning about 6% of all cases.
"""

from dataclasses import dataclass, field

CN, LA, KH = "CN", "LA", "KH"


@dataclass(frozen=True)
class ProvinceProfile:
    weight: int
    borders: frozenset[str] = field(default_factory=frozenset)
    coastal: bool = False
    region: str = "delta"
    # Border gates or ports where people are handed over or rescued.
    gates: tuple[str, ...] = ()


def _p(weight, borders=(), coastal=False, region="delta", gates=()):
    return ProvinceProfile(weight, frozenset(borders), coastal, region, tuple(gates))


# The 34 units after the 2025 reform (project codes of casework/data/provinces.json).
PROVINCES: dict[str, ProvinceProfile] = {
    "LCA": _p(
        12, [CN], region="north", gates=["Cửa khẩu quốc tế Lào Cai", "Cửa khẩu Bản Vược", "Cửa khẩu Mường Khương"]
    ),
    "LS": _p(8, [CN], region="north", gates=["Cửa khẩu quốc tế Hữu Nghị", "Cửa khẩu Tân Thanh", "Cửa khẩu Chi Ma"]),
    "CB": _p(7, [CN], region="north", gates=["Cửa khẩu Trà Lĩnh", "Cửa khẩu Tà Lùng", "Cửa khẩu Sóc Giang"]),
    "QNI": _p(6, [CN], True, "north", ["Cửa khẩu quốc tế Móng Cái", "Cửa khẩu Hoành Mô", "Cảng Vạn Gia"]),
    "TQ": _p(6, [CN], region="north", gates=["Cửa khẩu quốc tế Thanh Thủy", "Cửa khẩu Xín Mần"]),
    "NA": _p(6, [LA], True, "central", ["Cửa khẩu quốc tế Nậm Cắn", "Cửa khẩu Thanh Thủy (Nghệ An)"]),
    "AG": _p(6, [KH], True, "south", ["Cửa khẩu quốc tế Tịnh Biên", "Cửa khẩu Vĩnh Xương", "Cửa khẩu Hà Tiên"]),
    "TH": _p(5, [LA], True, "central", ["Cửa khẩu quốc tế Na Mèo", "Cửa khẩu Tén Tằn"]),
    "LCH": _p(4, [CN], region="north", gates=["Cửa khẩu Ma Lù Thàng"]),
    "DB": _p(4, [CN, LA], region="north", gates=["Cửa khẩu quốc tế Tây Trang", "Cửa khẩu A Pa Chải"]),
    "SL": _p(4, [LA], region="north", gates=["Cửa khẩu Lóng Sập", "Cửa khẩu Chiềng Khương"]),
    "TNI": _p(4, [KH], True, "south", ["Cửa khẩu quốc tế Mộc Bài", "Cửa khẩu quốc tế Xa Mát"]),
    "HT": _p(3, [LA], True, "central", ["Cửa khẩu quốc tế Cầu Treo"]),
    "DT": _p(3, [KH], True, "south", ["Cửa khẩu quốc tế Dinh Bà", "Cửa khẩu Thường Phước"]),
    "HN": _p(3, region="delta", gates=["Cảng hàng không quốc tế Nội Bài"]),
    "HCM": _p(3, coastal=True, region="south", gates=["Cảng hàng không quốc tế Tân Sơn Nhất"]),
    "QT": _p(2, [LA], True, "central", ["Cửa khẩu quốc tế Lao Bảo", "Cửa khẩu Cha Lo"]),
    "GL": _p(2, [KH], True, "central", ["Cửa khẩu quốc tế Lệ Thanh"]),
    "DL": _p(2, [KH], True, "central", ["Cửa khẩu Đăk Ruê"]),
    "QNG": _p(2, [LA, KH], True, "central", ["Cửa khẩu quốc tế Bờ Y"]),
    "HUE": _p(1, [LA], True, "central", ["Cửa khẩu A Đớt"]),
    "DN": _p(1, [LA], True, "central", ["Cửa khẩu Nam Giang", "Cảng hàng không quốc tế Đà Nẵng"]),
    "KH": _p(1, coastal=True, region="central", gates=["Cảng Cam Ranh"]),
    "LD": _p(1, [KH], True, "central", ["Cửa khẩu Bu Prăng"]),
    "DNA": _p(1, [KH], region="south", gates=["Cửa khẩu quốc tế Hoa Lư"]),
    "VL": _p(1, coastal=True, region="south"),
    "CT": _p(1, coastal=True, region="south"),
    "CM": _p(1, coastal=True, region="south", gates=["Cảng cá Sông Đốc"]),
    "TNG": _p(1, region="north"),
    "PT": _p(1, region="north"),
    "BN": _p(1, region="delta"),
    "HP": _p(1, coastal=True, region="delta", gates=["Cảng Hải Phòng"]),
    "HY": _p(1, coastal=True, region="delta"),
    "NB": _p(1, coastal=True, region="delta"),
}
TOP_PROVINCE = "LCA"

# Ethnic groups (codes of casework/data/ethnic_groups.json) by region, with weights.
ETHNICITIES = {
    "north": [("08", 42), ("09", 15), ("03", 10), ("02", 10), ("07", 8), ("01", 6), ("25", 4), ("35", 3), ("43", 2)],
    "central": [("03", 28), ("01", 20), ("06", 12), ("29", 9), ("10", 9), ("12", 8), ("13", 7), ("08", 7)],
    "south": [("01", 45), ("05", 45), ("17", 6), ("04", 4)],
    "delta": [("01", 90), ("06", 5), ("02", 5)],
}

# Destination countries (ISO alpha-2) by the borders of the province of reception.
DESTINATIONS = {
    CN: [("CN", 88), ("LA", 4), ("KH", 3), ("MM", 2), ("TW", 2), ("KR", 1)],
    LA: [("LA", 45), ("CN", 30), ("KH", 15), ("TH", 6), ("MM", 4)],
    KH: [("KH", 75), ("CN", 8), ("LA", 5), ("TH", 6), ("MY", 6)],
    "": [("CN", 52), ("KH", 25), ("LA", 8), ("MY", 5), ("TH", 3), ("KR", 3), ("JP", 2), ("TW", 2)],
}

# What the people were trafficked for, by destination (HTCDS exploitation codes, weights).
EXPLOITATION = {
    "CN": [
        ("ForcedMarriage", 50),
        ("SexualExploitation", 28),
        ("ForcedLabour", 15),
        ("Surrogacy", 4),
        ("ForcedAdoption", 3),
    ],
    "KH": [("ForcedLabour", 68), ("SexualExploitation", 20), ("Servitude", 7), ("ChildLabour", 5)],
    "LA": [("SexualExploitation", 48), ("ForcedLabour", 40), ("ForcedMarriage", 6), ("ChildLabour", 6)],
    "": [("ForcedLabour", 50), ("SexualExploitation", 35), ("Servitude", 10), ("ForcedBegging", 5)],
}
MEANS_OF_CONTROL = [
    ("FalsePromises", 30),
    ("WithholdsDocuments", 18),
    ("RestrictsFinancialAccess", 8),
    ("DebtBondage", 12),
    ("PhysicalAbuse", 10),
    ("PsychologicalAbuse", 10),
    ("PhysicalThreats", 8),
    ("ExcessiveWorkingHours", 6),
    ("SexualAbuse", 5),
    ("ThreatensChildrenFamily", 3),
]
RECRUITMENT = [
    ("ThroughOnlineSocialNetworks", 35),
    ("ThroughFriendsOrSocialEvents", 28),
    ("ThroughFamilyOrFamilyEvents", 15),
    ("ThroughAnOnlineAdvertisement", 12),
    ("AtWork", 5),
    ("Other", 5),
]

# Vietnamese missions abroad: (code suffix, country, Vietnamese name, English name, weight).
MISSIONS = [
    ("tlsq-namninh", "CN", "Tổng Lãnh sự quán Việt Nam tại Nam Ninh", "Consulate General of Viet Nam in Nanning", 30),
    ("tlsq-conminh", "CN", "Tổng Lãnh sự quán Việt Nam tại Côn Minh", "Consulate General of Viet Nam in Kunming", 20),
    (
        "tlsq-quangchau",
        "CN",
        "Tổng Lãnh sự quán Việt Nam tại Quảng Châu",
        "Consulate General of Viet Nam in Guangzhou",
        15,
    ),
    ("dsq-phnompenh", "KH", "Đại sứ quán Việt Nam tại Campuchia", "Embassy of Viet Nam in Cambodia", 15),
    ("dsq-vientiane", "LA", "Đại sứ quán Việt Nam tại Lào", "Embassy of Viet Nam in Laos", 8),
    ("dsq-bangkok", "TH", "Đại sứ quán Việt Nam tại Thái Lan", "Embassy of Viet Nam in Thailand", 3),
    ("dsq-yangon", "MM", "Đại sứ quán Việt Nam tại Myanmar", "Embassy of Viet Nam in Myanmar", 3),
    ("dsq-kualalumpur", "MY", "Đại sứ quán Việt Nam tại Malaysia", "Embassy of Viet Nam in Malaysia", 3),
    ("dsq-seoul", "KR", "Đại sứ quán Việt Nam tại Hàn Quốc", "Embassy of Viet Nam in the Republic of Korea", 1),
    ("dsq-tokyo", "JP", "Đại sứ quán Việt Nam tại Nhật Bản", "Embassy of Viet Nam in Japan", 1),
    (
        "vpkt-daibac",
        "TW",
        "Văn phòng Kinh tế và Văn hóa Việt Nam tại Đài Bắc",
        "Viet Nam Economic and Cultural Office in Taipei",
        1,
    ),
]
# Coast guard regional commands: (number, province code).
COAST_GUARD = [(1, "HP"), (2, "DN"), (3, "HCM"), (4, "AG")]
# Fictional NGOs: (code suffix, province, Vietnamese name, English name, runs a shelter).
NGOS = [
    (
        "ngo-bacbo",
        "HN",
        "Tổ chức hỗ trợ nạn nhân Bắc Bộ (minh họa)",
        "Northern victim support organisation (demo)",
        False,
    ),
    ("ngo-laocai", "LCA", "Nhà Nhân ái vùng cao (minh họa)", "Highland Compassion House (demo)", True),
    (
        "ngo-nghean",
        "NA",
        "Tổ chức hỗ trợ phụ nữ miền Trung (minh họa)",
        "Central women's support organisation (demo)",
        False,
    ),
    ("ngo-angiang", "AG", "Nhà Nhân ái miền Tây (minh họa)", "Mekong Compassion House (demo)", True),
    (
        "ngo-hcm",
        "HCM",
        "Mạng lưới bảo vệ trẻ em phía Nam (minh họa)",
        "Southern child protection network (demo)",
        False,
    ),
]
# Victim-support facilities (besides one social assistance facility per province).
VICTIM_SUPPORT = ["LCA", "LS", "CB", "QNI", "TQ", "NA", "AG", "TNI"]
# Peace Houses of the Women's Union: (code suffix, province, Vietnamese name, English name).
PEACE_HOUSES = [
    (
        "binhyen-hn",
        "HN",
        "Ngôi nhà Bình yên – Trung tâm Phụ nữ và Phát triển",
        "Peace House – Centre for Women and Development",
    ),
    ("binhyen-ct", "CT", "Ngôi nhà Bình yên Cần Thơ", "Peace House Cần Thơ"),
]

COMMUNE_FIRST = {
    "north": ["Bản", "Mường", "Nậm", "Sín", "Tả", "Pha", "Lũng", "Thanh", "Quang", "Phúc"],
    "central": ["Thanh", "Hương", "Quỳnh", "Tam", "Mường", "Xuân", "Kỳ", "Hòa", "Đắk", "Ia"],
    "south": ["Tân", "An", "Vĩnh", "Phú", "Long", "Mỹ", "Bình", "Thạnh", "Hòa", "Nhơn"],
    "delta": ["Tân", "Đông", "Xuân", "Hồng", "Minh", "Hòa", "Thanh", "Phú", "Yên", "Đại"],
}
COMMUNE_SECOND = ["Lộc", "Hòa", "Khánh", "Phong", "Sơn", "Hưng", "Thịnh", "Lâm", "Chải", "Tiến", "Thành", "Mỹ", "Nghĩa"]
