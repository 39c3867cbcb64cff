"""Issue 16, decisions 200, 201 and 203: the reviewed Vietnamese country names in Vietnamese
alphabetical order, the common destinations first, Việt Nam as a new person's nationality."""

import importlib
import json
import re
from html import unescape

import pytest
from django.apps import apps
from django.urls import reverse

from casework.lib.text import vietnamese_sort_key
from casework.models import Country, EthnicGroup, Province
from casework.reference_data import DATA_DIR, seed_common_destinations
from tests.fixtures.personas import sign_in

pytestmark = pytest.mark.django_db

# The collation ---------------------------------------------------------------------------------


def in_order(*names: str) -> bool:
    return sorted(names, key=vietnamese_sort_key) == list(names)


def test_a_hat_sorts_after_a_and_before_b():
    assert in_order("Anh", "Ấn Độ", "Ba Lan")
    assert in_order("Ả Rập Xê Út", "Anh", "Ấn Độ")
    assert not in_order("Ấn Độ", "Anh")


def test_d_with_stroke_sorts_after_d_and_before_e():
    assert in_order("Dominica", "Đức", "Estonia", "Ê-cu-a-đo")
    assert sorted(["Đức", "Estonia", "Dominica"]) != ["Dominica", "Đức", "Estonia"]  # code points do not


def test_letters_of_the_vietnamese_alphabet_in_their_order():
    assert in_order("a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "g", "h", "i", "k", "l", "m", "n")
    assert in_order("n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "x", "y")


def test_tones_come_second_in_dictionary_order():
    assert in_order("ba", "bà", "bả", "bã", "bá", "bạ", "bac")
    assert in_order("Hà Lan", "Hàn Quốc", "Hồng Kông (Trung Quốc)")
    assert in_order("Ân", "Ấn", "Ẫu") and in_order("Âu", "Ậu", "Ba")


def test_words_are_compared_one_by_one_and_case_only_breaks_ties():
    assert in_order("Nam Phi", "Nam Sudan", "Namibia")
    assert in_order("Guinea", "Guinea-Bissau", "Guinea Xích Đạo")  # a hyphen separates words as a space does
    assert in_order("Việt Nam", "việt nam")
    assert vietnamese_sort_key("") < vietnamese_sort_key("a")


# The reviewed list -----------------------------------------------------------------------------

OFFICIAL = {
    "AF": "Afghanistan",
    "LU": "Lúc-xăm-bua",
    "AD": "An-đô-ra",
    "CN": "Trung Quốc",
    "KH": "Campuchia",
    "LA": "Lào",
    "MM": "Myanmar",
    "TH": "Thái Lan",
    "MY": "Malaysia",
    "KR": "Hàn Quốc",
    "JP": "Nhật Bản",
    "TW": "Đài Loan (Trung Quốc)",
    "GB": "Vương quốc Anh",
    "DE": "Đức",
    "FR": "Pháp",
    "RU": "Nga",
    "AE": "Các Tiểu vương quốc Ả Rập Thống nhất",
    "PH": "Philippines",
    "VN": "Việt Nam",
}
TRANSLITERATIONS = ["A Phú Hãn", "Lục Xâm Bảo", "Ăn-đoa-râ", "Ai-xợ-bai-gianh", "Liên bang Nga", "Bă-ba-đôxợ"]


def test_the_database_holds_the_reviewed_names(reference_data):
    names = dict(Country.objects.values_list("alpha2", "name"))
    assert {code: names[code] for code in OFFICIAL} == OFFICIAL
    assert not set(TRANSLITERATIONS) & set(names.values())
    shipped = {row["alpha2"]: row["name_vi"] for row in json.loads((DATA_DIR / "countries.json").read_text())}
    assert names == shipped  # the migration brought every row to the reviewed file
    assert len(set(names.values())) == len(names) == 249


def test_no_name_in_the_file_is_a_syllable_by_syllable_transliteration():
    """The old list spelled foreign names in Vietnamese syllables nobody writes ("Ai-xợ-bai-gianh"):
    a hyphenated name is kept only where Vietnamese official usage writes it so."""
    rows = json.loads((DATA_DIR / "countries.json").read_text())
    hyphenated = sorted(row["name_vi"] for row in rows if re.search(r"\w-\w", row["name_vi"]))
    official = ["An-đô-ra", "Cu-ba", "Lúc-xăm-bua"]
    as_written_abroad = ["Guinea-Bissau", "Nouvelle-Calédonie", "Saint-Pierre và Miquelon", "Timor-Leste"]
    assert hyphenated == sorted(official + as_written_abroad)
    assert not [row["name_vi"] for row in rows if "xợ" in row["name_vi"] or "ợ" in row["name_vi"].split()[-1][-1:]]


def test_the_migration_renames_only_rows_that_still_carry_the_shipped_name(reference_data):
    migration = importlib.import_module("casework.migrations.0029_country_names_and_common_destinations")
    Country.objects.filter(alpha2="AF").update(name="A Phú Hãn")
    Country.objects.filter(alpha2="LU").update(name="Lục Xâm Bảo")
    Country.objects.filter(alpha2="AZ").update(name="A-dec-bai-gian (sửa bởi quản trị)")  # an administrator's
    migration.review_names(apps, None)
    names = dict(Country.objects.values_list("alpha2", "name"))
    assert names["AF"] == "Afghanistan"
    assert names["LU"] == "Lúc-xăm-bua"
    assert names["AZ"] == "A-dec-bai-gian (sửa bởi quản trị)"


def test_common_destinations_are_seeded_once_and_an_administrators_list_is_kept(reference_data):
    firsts = list(Country.objects.filter(common_destination_order__isnull=False).order_by("common_destination_order"))
    assert [country.alpha2 for country in firsts] == ["CN", "KH", "LA", "MM", "TH", "MY", "KR", "JP", "TW"]
    Country.objects.update(common_destination_order=None)
    Country.objects.filter(alpha2="DE").update(common_destination_order=1)
    seed_common_destinations(apps)
    assert list(Country.objects.filter(common_destination_order__isnull=False).values_list("alpha2", flat=True)) == [
        "DE"
    ]


# The selects -----------------------------------------------------------------------------------


def select_block(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match, f"no select {name}"
    return match.group(0)


def option_labels(block: str) -> list[str]:
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block)
    return [unescape(label) for _value, label in found]


def groups(block: str) -> dict[str, list[str]]:
    return {
        unescape(label): option_labels(inner)
        for label, inner in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', block, re.S)
    }


def test_destination_select_offers_the_common_ones_first_then_all_in_vietnamese_order(world):
    html = sign_in(world.owner).get("/cases/new/facts/").content.decode()
    block = select_block(html, "destination_country")
    found = groups(block)
    assert list(found) == ["Thường gặp", "Tất cả các nước"]
    assert found["Thường gặp"] == [
        "Trung Quốc",
        "Campuchia",
        "Lào",
        "Myanmar",
        "Thái Lan",
        "Malaysia",
        "Hàn Quốc",
        "Nhật Bản",
        "Đài Loan (Trung Quốc)",
    ]
    everything = found["Tất cả các nước"]
    assert len(everything) == 249
    assert everything == sorted(everything, key=vietnamese_sort_key)
    assert everything.index("Dominica") < everything.index("Đức") < everything.index("Estonia")
    assert everything.index("Ai Cập") < everything.index("Ấn Độ") < everything.index("Ba Lan")
    assert block.startswith('<select name="destination_country"') and '<option value="" selected>' in block


def test_destination_select_in_english_sorts_by_the_english_names(world):
    client = sign_in(world.owner)
    client.cookies["django_language"] = "en"
    found = groups(select_block(client.get("/cases/new/facts/").content.decode(), "destination_country"))
    assert list(found) == ["Common destinations", "All countries"]
    assert found["Common destinations"][:3] == ["China", "Cambodia", "Lao People's Democratic Republic"]
    assert found["All countries"][:2] == ["Afghanistan", "Åland Islands"]


def test_an_administrators_change_to_the_common_list_shows_at_once(world, settings):
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 300
    client = sign_in(world.owner)
    first = groups(select_block(client.get("/cases/new/facts/").content.decode(), "destination_country"))
    assert "Hàn Quốc" in first["Thường gặp"]
    korea = Country.objects.get(alpha2="KR")
    korea.common_destination_order = None
    korea.save()  # as the admin saves it: the options cache is dropped
    germany = Country.objects.get(alpha2="DE")
    germany.common_destination_order = 1
    germany.save()
    again = groups(select_block(client.get("/cases/new/facts/").content.decode(), "destination_country"))
    assert "Hàn Quốc" not in again["Thường gặp"]
    assert again["Thường gặp"][:2] == ["Đức", "Trung Quốc"]


def test_without_common_destinations_the_select_is_one_plain_list(world):
    Country.objects.update(common_destination_order=None)
    block = select_block(sign_in(world.owner).get("/cases/new/facts/").content.decode(), "destination_country")
    assert "<optgroup" not in block
    assert len(option_labels(block)) == 250  # the empty choice and every country


def test_a_chosen_common_destination_is_selected_once_and_names_are_escaped(world):
    china = Country.objects.get(alpha2="CN")
    Country.objects.filter(alpha2="FR").update(name='Pháp"><script>alert(1)</script>')
    client = sign_in(world.owner)
    client.post("/cases/new/facts/", {"destination_country": str(china.pk), "came_to_notice": "border_handover"})
    block = select_block(client.get("/cases/new/facts/").content.decode(), "destination_country")
    assert block.count(" selected>") == 1
    assert re.search(rf'<optgroup label="Thường gặp"><option value="{china.pk}" selected>Trung Quốc', block)
    assert "<script>" not in block and "Pháp&quot;&gt;&lt;script&gt;" in block


def test_province_nationality_and_ethnicity_selects_are_in_vietnamese_order(world):
    html = sign_in(world.owner).get("/cases/new/person/").content.decode()
    provinces = option_labels(select_block(html, "home_province"))[1:]
    assert sorted(provinces, key=vietnamese_sort_key) == provinces
    assert len(provinces) == Province.objects.count()
    countries = option_labels(select_block(html, "nationality"))[1:]
    assert countries == sorted(countries, key=vietnamese_sort_key) and len(countries) == 249
    groups_ = option_labels(select_block(html, "ethnicity"))[1:]
    assert groups_[0] == "Kinh"  # the majority first, then the others in order
    assert groups_[1:] == sorted(groups_[1:], key=vietnamese_sort_key)
    assert len(groups_) == EthnicGroup.objects.count()


def test_case_list_province_filter_is_in_vietnamese_order(world):
    html = sign_in(world.owner).get("/").content.decode()
    provinces = option_labels(select_block(html, "province"))[1:]
    assert provinces == sorted(provinces, key=vietnamese_sort_key) and provinces


# Nationality defaults to Việt Nam --------------------------------------------------------------


def test_a_new_person_is_vietnamese_unless_changed(world):
    viet_nam = Country.objects.get(alpha2="VN")
    client = sign_in(world.owner)
    block = select_block(client.get("/cases/new/person/").content.decode(), "nationality")
    assert f'<option value="{viet_nam.pk}" selected>Việt Nam</option>' in block
    # A worker who clears it keeps the empty choice when coming back to the step.
    client.post("/cases/new/person/", {"full_name": "Lò Thị Sua", "sex": "female", "nationality": ""})
    block = select_block(client.get("/cases/new/person/").content.decode(), "nationality")
    assert " selected>" not in block.replace('<option value="" selected>', "")


def test_correcting_a_person_without_a_nationality_does_not_invent_one(world):
    assert world.case.person.nationality_id is None
    html = sign_in(world.owner).get(reverse("casework:person-edit", args=[world.case.public_id])).content.decode()
    block = select_block(html, "nationality")
    assert '<option value="" selected>' in block
    assert block.count(" selected>") == 1


def test_reloading_the_reference_data_keeps_an_administrators_country_name(reference_data):
    from casework.reference_data import load_reference_data

    Country.objects.filter(alpha2="MM").update(name="Mi-an-ma (tên do quản trị viên đặt)", name_en="Burma")
    Country.objects.filter(alpha2="ZW").delete()
    load_reference_data()
    assert Country.objects.get(alpha2="MM").name == "Mi-an-ma (tên do quản trị viên đặt)"
    assert Country.objects.get(alpha2="MM").name_en == "Myanmar"  # the file's English name
    assert Country.objects.get(alpha2="ZW").name == "Zimbabwe"  # a missing country comes back


def test_an_administrator_renames_a_country_and_reorders_the_common_list_in_the_admin(world):
    from casework.models import User
    from tests.fixtures.personas import PASSWORD

    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    admin = sign_in(root)
    myanmar = Country.objects.get(alpha2="MM")
    listing = admin.get("/admin/casework/country/")
    assert listing.status_code == 200 and "common_destination_order" in listing.content.decode()
    response = admin.post(
        f"/admin/casework/country/{myanmar.pk}/change/",
        {"name": "Mi-an-ma", "name_en": "Myanmar", "alpha2": "MM", "alpha3": "MMR", "common_destination_order": "1"},
    )
    assert response.status_code == 302, response.content[:2000]
    found = groups(select_block(sign_in(world.owner).get("/cases/new/facts/").content.decode(), "destination_country"))
    assert found["Thường gặp"][0] == "Mi-an-ma"
    assert "Mi-an-ma" in found["Tất cả các nước"]


def test_the_national_dashboards_province_filter_is_in_vietnamese_order(world):
    from dashboards.forms import PeriodFilterForm
    from dashboards.scope import Scope

    world.police.statistics_scope = "national"
    form = PeriodFilterForm(scope=Scope.of(world.police))
    provinces = option_labels(str(form["province"]))[1:]
    assert len(provinces) == Province.objects.count()
    assert provinces == sorted(provinces, key=vietnamese_sort_key)
    assert provinces.index("Cần Thơ") < provinces.index("Đà Nẵng") < provinces.index("Gia Lai")  # not after "V…"
