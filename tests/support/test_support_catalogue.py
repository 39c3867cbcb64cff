"""The shipped support catalogue: the rules, caps, claim forms and deciders the law sets, and
only legal bases docs/domain.md sources."""

import datetime

import pytest

from casework.models import Country, LegalRegime
from support.catalogue import load_support_catalogue
from support.models import SupportItem
from tests.fixtures.chain import fresh, new_person_case
from tests.fixtures.support import codes, identify

pytestmark = pytest.mark.django_db


def test_the_catalogue_keeps_poor_household_and_twelve_month_rules(reference_data):
    items = {item.code: item for item in SupportItem.objects.all()}
    assert items["d09-hardship"].poor_household_only and items["d09-education"].poor_household_only
    assert not items["d09-vocational"].poor_household_only
    assert {code for code, item in items.items() if item.claim_within_months == 12} == {
        "d09-education",
        "d09-vocational",
        "d09-hardship",
    }
    assert {code for code, item in items.items() if item.claim_form == "Mẫu số 07"} == {"l53-h", "l53-i", "l53-k"}
    assert all(items[code].decision_working_days == 9 for code in ("l53-h", "l53-i", "l53-k"))
    assert (items["l53-a"].cap_days, items["l53-a"].extendable) == (120, True)
    assert (items["d09-meals"].cap_days, items["d09-meals"].extendable) == (60, False)


def test_every_claimable_item_names_who_decides(reference_data):
    claimable = SupportItem.objects.exclude(claim_form="", claim_within_months__isnull=True)
    assert claimable.count() == 6
    assert not claimable.filter(deciding_kind__isnull=True).exists()


def test_the_2011_regime_has_legal_aid_and_loans(chain):
    case = new_person_case(chain.police, chain.police_worker, hours_ago=24 * 800)

    case.person.nationality = Country.objects.get(alpha2="VN")
    case.person.save()
    identify(case, chain, on=datetime.date(2025, 3, 1))
    assert fresh(case).legal_regime == LegalRegime.LAW_2011
    found = codes(case)
    assert {"l66-legal-aid", "l66-loans"} <= found
    assert SupportItem.objects.get(code="l66-loans").legal_basis == "Luật 66/2011/QH12 Điều 32"


def test_no_legal_basis_claims_an_amendment_domain_does_not_source():
    load_support_catalogue()
    assert not SupportItem.objects.filter(legal_basis__contains="sửa đổi bởi Nghị định 20/2021").exists()
    assert SupportItem.objects.get(code="d09-meals").legal_basis == "Nghị định 09/2013/NĐ-CP Điều 19"
