"""Every column of an export carries a sensitivity class and is blank without it (decision 170):
the HTCDS export and the case-list export each have one table of column → class, a column
added without a class fails here, and for holders of fewer classes than the lead no exported
value appears that their case page does not show them (issue 17: the HTCDS export gave a
holder of `core` the Peace House and the purpose of the lead's placement referral)."""

import pytest
from django.urls import reverse

from casework import actions
from casework.access import case_classes
from casework.models import CaseGrant, Role, SensitivityClass
from exchange import exports, htcds
from exchange.models import ExportJob
from referrals.actions import do_send_referral
from referrals.models import ReferralPurpose
from tests.fixtures.personas import acting, make_agency, make_user, sign_in
from tests.fixtures.shelters import new_case, place, shelter_world  # noqa: F401

REFERRAL_COLUMNS = [name for name in htcds.COLUMNS if name.startswith(("cas_Refer", "cas_Reason", "cas_Incoming"))]
REFERRAL_COLUMNS += [name for name in htcds.COLUMNS if name.startswith("cas_Outgoing")]
REFERRAL_COLUMNS.remove("cas_ReasonForCaseClosure")


# 1. The tables ---------------------------------------------------------------------------------


def test_every_htcds_column_has_exactly_one_known_class():
    assert list(htcds.COLUMN_CLASSES) == htcds.COLUMNS
    assert set(htcds.COLUMN_CLASSES.values()) <= set(SensitivityClass.values)
    # The operator's export holds every class a column needs, so it leaves nothing out.
    assert set(htcds.COLUMN_CLASSES.values()) <= htcds.EXPORT_CLASSES
    with pytest.raises(KeyError):
        htcds.columns.column_class("cas_NewColumnWithoutAClass")


def test_the_referral_columns_need_the_shelter_class():
    assert len(REFERRAL_COLUMNS) == 10
    assert {htcds.COLUMN_CLASSES[name] for name in REFERRAL_COLUMNS} == {SensitivityClass.SHELTER}


def test_every_case_list_column_has_a_class_and_a_row_of_another_width_is_refused():
    assert len(exports.CASE_COLUMNS) == len(exports.case_header()) == 14
    assert set(exports.CASE_COLUMN_CLASSES) <= set(SensitivityClass.values)
    row = [f"v{n}" for n in range(14)]
    assert exports.blank_unheld(row, {SensitivityClass.CORE})[10:] == ["", "", "", ""]
    assert exports.blank_unheld(row, {SensitivityClass.CORE, SensitivityClass.IDENTITY}) == row
    with pytest.raises(ValueError):
        exports.blank_unheld([*row, "a column without a class"], {SensitivityClass.CORE})


# 2. Against the case page ----------------------------------------------------------------------


def holder(w, code: str, classes: list[str]):
    """A supervisor of another agency whose group holds `classes` on the case."""
    agency = make_agency(code, "ngo", "HN")
    user = make_user(f"{code}.supervisor", agency, Role.SUPERVISOR)
    actions.grant_case(
        w.case,
        group=agency.role_groups.get(role=Role.SUPERVISOR).group,
        classes=classes,
        source=CaseGrant.Source.REFERRAL,
        source_ref=f"R-{code}",
        actor=w.social_worker,
    )
    return acting(user)


def exported(user) -> dict[str, dict[str, str]]:
    """The HTCDS export the user's job would write, by case reference."""
    job = ExportJob(kind=ExportJob.Kind.HTCDS, params={}, language="vi")
    _header, rows, _total = exports.htcds_rows(job, user)
    by_reference = {}
    for row in rows:
        values = dict(zip(htcds.COLUMNS, row[1:], strict=True))
        by_reference[values["cnx_Reference"]] = values
    return by_reference


@pytest.fixture
def placed(shelter_world):  # noqa: F811 — the fixture imported above
    w = shelter_world
    w.case = new_case(w.social, w.social_worker)
    place(w.case, w)
    w.facility_agency = w.facility.agency
    w.placement_label = ReferralPurpose.objects.get(code="shelter_placement").label
    return w


def placement_words(w) -> list[str]:
    agency = w.facility_agency
    return [agency.code, agency.name, agency.name_en, w.facility.name, w.placement_label]


def test_the_lead_exports_its_placement_referral(placed):
    w = placed
    lead = acting(make_user("s.social.supervisor", w.social, Role.SUPERVISOR))
    row = exported(lead)[w.case.reference]
    assert row["cas_ReferredOrganisation"] == w.facility_agency.code
    assert row["cas_OutgoingReferralDetails"] == w.placement_label


@pytest.mark.parametrize(
    "classes",
    [
        [SensitivityClass.CORE],
        [SensitivityClass.CORE, SensitivityClass.IDENTITY],
        [SensitivityClass.CORE, SensitivityClass.IDENTITY, SensitivityClass.INVESTIGATION],
        [SensitivityClass.CORE, SensitivityClass.SUPPORT, SensitivityClass.HEALTH],
    ],
    ids=["core", "core+identity", "core+identity+investigation", "core+support+health"],
)
def test_a_holder_gets_no_column_of_a_class_it_lacks_nor_what_its_case_page_hides(placed, classes):
    w = placed
    user = holder(w, "x-holder", classes)
    held = case_classes(user, w.case)
    assert held == set(classes)
    row = exported(user)[w.case.reference]
    filled = {name for name, value in row.items() if value}
    assert {name for name in filled if htcds.COLUMN_CLASSES[name] not in held} == set()
    assert filled & {name for name, cls in htcds.COLUMN_CLASSES.items() if cls == SensitivityClass.CORE}
    if SensitivityClass.IDENTITY in held:
        assert row["prs_FirstName"] == "Mai"
    # The Peace House and the purpose of the placement: hidden on the holder's case page, and
    # nowhere in its export.
    page = sign_in(user).get(reverse("casework:case-detail", args=[w.case.public_id]))
    assert page.status_code == 200
    text = page.content.decode()
    values = " | ".join(row.values())
    for word in placement_words(w):
        assert word not in text, word
        assert word not in values, word


def test_the_peace_house_exports_its_own_referral_but_not_the_leads_later_one(placed):
    """The Peace House holds `shelter`; the lead then sends the case to the police for
    verification. Its case page shows only the referral at its own end, and so does its export."""
    w = placed
    do_send_referral(
        w.case,
        purpose=ReferralPurpose.objects.get(code="verification"),
        to_agency=w.police,
        from_agency=w.social,
        actor=acting(w.social_worker),
    )
    lead = acting(make_user("s.social.supervisor", w.social, Role.SUPERVISOR))
    assert exported(lead)[w.case.reference]["cas_ReferredOrganisation"] == w.police.code
    house = acting(w.shelter_supervisor)
    assert SensitivityClass.SHELTER in case_classes(house, w.case)
    row = exported(house)[w.case.reference]
    assert row["cas_ReferredOrganisation"] == w.facility_agency.code
    assert w.police.code not in " | ".join(row.values())
    page = sign_in(w.shelter_supervisor).get(reverse("casework:case-detail", args=[w.case.public_id]))
    assert w.police.name not in page.content.decode()


def test_a_case_list_export_blanks_identity_for_a_holder_of_core(placed):
    w = placed
    user = holder(w, "x-core", [SensitivityClass.CORE])
    job = ExportJob(kind=ExportJob.Kind.CASES, params={}, language="vi")
    header, rows, _total = exports.case_rows(job, user)
    (row,) = list(rows)
    assert len(row) == len(header) == len(exports.CASE_COLUMNS)
    assert row[0] == w.case.reference
    assert all(value == "" for value, cls in zip(row, exports.CASE_COLUMN_CLASSES, strict=True) if cls != "core")
    assert "Lò Thị Mai" not in row
