"""Loading the shipped reference data (casework/data/*.json). Idempotent: rows are matched
by code and updated, so re-running after an edit to the files applies the edit."""

import json
from pathlib import Path

from django.apps import apps as global_apps

DATA_DIR = Path(__file__).resolve().parent / "data"

AGENCY_KINDS = [
    ("police", "Công an", "Police"),
    ("border_guard", "Bộ đội Biên phòng", "Border Guard"),
    ("coast_guard", "Cảnh sát biển", "Coast Guard"),
    ("social_protection", "Cơ quan bảo trợ xã hội (Sở Y tế)", "Social protection (Department of Health)"),
    ("womens_union", "Hội Liên hiệp Phụ nữ", "Women's Union"),
    ("commune", "Ủy ban nhân dân cấp xã", "Commune People's Committee"),
    ("foreign_affairs", "Ngoại giao / cơ quan đại diện ở nước ngoài", "Foreign affairs / mission abroad"),
    ("ngo", "Tổ chức phi chính phủ", "Non-governmental organisation"),
]

# Kinds the law names as competent to decide that a person is a victim (docs/domain.md §3): the
# police (MPS) and the border guard (MOD) receive, verify and issue the victim confirmation
# (Law 53 art. 30). Others — the coast guard, missions abroad (art. 29 is unverified) — only
# propose, until an administrator who has the text sets the flag.
COMPETENT_TO_IDENTIFY = {
    "police": "Luật 53/2024 Điều 30, Điều 32",
    "border_guard": "Luật 53/2024 Điều 30, Điều 32",
}

# Status limits are data for an administrator (docs/domain.md marks the later ones unverified). The
# statutory 3 days of initial verification are not a status limit: they run from the social
# agency's reception to its verification result (Case.verification_due_at).
STATUS_DEADLINES = {
    "reported": (None, ""),
    "verifying": (None, ""),
    "identifying": (None, ""),
}


# The destinations offered first where a destination country is chosen (docs/decisions.md 201):
# docs/domain.md names Cambodia, Laos, China and Myanmar in the hotline's figures; the others
# are the destinations issue 16 listed. Seeded while no country has a place, so an
# administrator's list (Django admin, Countries) is never overwritten.
COMMON_DESTINATIONS = ["CN", "KH", "LA", "MM", "TH", "MY", "KR", "JP", "TW"]


def seed_common_destinations(apps=global_apps) -> None:
    Country = apps.get_model("casework", "Country")
    if Country.objects.filter(common_destination_order__isnull=False).exists():
        return
    for order, alpha2 in enumerate(COMMON_DESTINATIONS, start=1):
        Country.objects.filter(alpha2=alpha2).update(common_destination_order=order)


def _read(name: str):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def load_reference_data(apps=global_apps) -> dict[str, int]:
    model = lambda name: apps.get_model("casework", name)  # noqa: E731
    Province, FormerProvince = model("Province"), model("FormerProvince")
    counts = {}
    provinces = _read("provinces.json")
    # Older migrations load this with historical models that predate the coordinates.
    has_position = any(field.name == "latitude" for field in Province._meta.get_fields())
    for row in provinces["provinces"]:
        defaults = {"name": row["name_vi"], "name_en": row["name_en"], "kind": row["kind"]}
        if has_position:
            defaults |= {"latitude": row["lat"], "longitude": row["lon"]}
        Province.objects.update_or_create(code=row["code"], defaults=defaults)
    by_code = {province.code: province for province in Province.objects.all()}
    for row in provinces["former_provinces"]:
        FormerProvince.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name_vi"], "name_en": row["name_en"], "successor": by_code[row["successor"]]},
        )
    counts["provinces"], counts["former_provinces"] = len(provinces["provinces"]), len(provinces["former_provinces"])

    for row in _read("ethnic_groups.json"):
        model("EthnicGroup").objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name_vi"], "name_en": row["name_en"], "is_majority": row["name_vi"] == "Kinh"},
        )
    # A country's Vietnamese name is the administrator's once loaded (docs/decisions.md 200): a
    # reload adds missing countries and refreshes codes and English names only; a reviewed
    # name reaches existing databases through a data migration (casework 0025).
    for row in _read("countries.json"):
        model("Country").objects.update_or_create(
            alpha2=row["alpha2"],
            defaults={"alpha3": row["alpha3"], "name_en": row["name_en"]},
            create_defaults={"alpha3": row["alpha3"], "name": row["name_vi"], "name_en": row["name_en"]},
        )
    if any(field.name == "common_destination_order" for field in model("Country")._meta.get_fields()):
        seed_common_destinations(apps)
    for list_name, picklist in _read("htcds_picklists.json").items():
        for order, row in enumerate(picklist["values"]):
            model("PicklistValue").objects.update_or_create(
                list_name=list_name,
                code=row["code"],
                defaults={"name": row["label_vi"], "name_en": row["label_en"], "sort_order": order},
            )
    AgencyKind = model("AgencyKind")
    for order, (code, name, name_en) in enumerate(AGENCY_KINDS):
        _kind, created = AgencyKind.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
        # Set on creation only: an administrator may have changed who identifies since.
        if created and code in COMPETENT_TO_IDENTIFY and hasattr(_kind, "may_identify"):
            AgencyKind.objects.filter(pk=_kind.pk).update(
                may_identify=True, identification_basis=COMPETENT_TO_IDENTIFY[code]
            )
    for status, (hours, basis) in STATUS_DEADLINES.items():
        model("StatusDeadline").objects.get_or_create(status=status, defaults={"hours": hours, "legal_basis": basis})
    return counts
