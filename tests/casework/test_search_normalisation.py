import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.lib.text import normalize_document_number, normalize_name
from casework.models import Person
from tests.fixtures.personas import make_case, sign_in


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Nguyễn Thị Lan", "nguyen thi lan"),
        ("ĐẶNG  thị   MAI", "dang thi mai"),
        ("Giàng Thị Mỷ", "giang thi my"),
        ("  Lò Thị Sua ", "lo thi sua"),
        ("", ""),
    ],
)
def test_names_are_normalised_without_diacritics(typed, stored):
    assert normalize_name(typed) == stored


def test_document_numbers_compare_without_separators():
    assert normalize_document_number(" 001-203.004 567 ") == "001203004567"


def test_person_keeps_search_name_on_save(reference_data):
    person = Person.objects.create(full_name="Đặng Thị Mai", other_names="Mỷ")
    assert person.search_name == "dang thi mai my"


@pytest.mark.parametrize("query", ["nguyen thi", "Nguyen Thi Lan", "NGUYỄN THỊ", "thi lan"])
def test_case_search_finds_names_typed_without_diacritics(world, query):
    response = sign_in(world.owner).get("/", {"q": query})
    assert response.status_code == 200
    assert world.case.reference.encode() in response.content


def test_dang_finds_the_d_with_stroke(world):
    other = make_case(world.police, world.owner, name="Đặng Thị Mai", birth_year=2001)
    response = sign_in(world.owner).get("/", {"q": "dang"})
    assert other.reference.encode() in response.content
    assert world.case.reference.encode() not in response.content


def test_name_search_never_matches_cases_whose_identity_is_not_shared(world):
    # The other province's supervisor sees nothing; a name search must not reveal the case.
    response = sign_in(world.other_supervisor).get("/", {"q": "nguyen"})
    assert world.case.reference.encode() not in response.content


@given(st.text(max_size=60))
def test_normalised_names_are_stable_lowercase_and_free_of_vietnamese_marks(text):
    normalised = normalize_name(text)
    assert normalize_name(normalised) == normalised
    assert normalised == normalised.lower()
    assert not any(mark in normalised for mark in "ăâđêôơưáàảãạ")
    assert "  " not in normalised
