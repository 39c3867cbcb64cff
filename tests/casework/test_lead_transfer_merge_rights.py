"""The right to merge a duplicate into a case is the lead's (decision 194): when the lead is
transferred, the former lead keeps only read-only access to what it recorded and may no longer
merge; the new lead may."""

import pytest

from casework.models import CaseGrant, CaseMerge
from casework.responsibility import do_transfer_lead
from tests.casework.test_duplicates_merge import link, pair, url  # noqa: F401 - a fixture
from tests.fixtures.personas import acting, sign_in

pytestmark = pytest.mark.django_db


def live_grants(case, agency) -> set[tuple[str, str, tuple[str, ...]]]:
    rows = CaseGrant.objects.filter(case=case, revoked_at__isnull=True, group__agency_group__agency=agency)
    return {(row.source, row.group.agency_group.role, tuple(sorted(row.classes))) for row in rows}


@pytest.mark.parametrize("renamed", [False, True], ids=["same-code", "code-renamed"])
def test_after_a_lead_transfer_only_the_new_lead_merges_the_duplicate(pair, renamed):  # noqa: F811 - the fixture
    """Also when the former lead's code was changed (the admin may) after its grants were made:
    the lead's rights are the lead's, whatever code they were granted under."""
    person_link = link(pair)
    if renamed:
        pair.police.code = "t-police-renamed"
        pair.police.save(update_fields=["code"])
    police_before = live_grants(pair.case, pair.police)
    assert {source for source, _role, _classes in police_before} == {CaseGrant.Source.OWN_AGENCY}
    assert any("identity" in classes for _s, _r, classes in police_before)

    do_transfer_lead(pair.case, pair.commune, reason="xã chủ trì", actor=acting(pair.owner))

    police_after = live_grants(pair.case, pair.police)
    assert {source for source, _role, _classes in police_after} <= {CaseGrant.Source.FORMER}
    commune_after = live_grants(pair.case, pair.commune)
    assert CaseGrant.Source.OWN_AGENCY in {source for source, _role, _classes in commune_after}
    merge_url = url(pair.case, f"same-person/{person_link.pk}/merge/")
    response = sign_in(pair.owner).post(merge_url, {"reason": "cùng một người"})
    assert response.status_code in (403, 404)
    assert not CaseMerge.objects.exists()

    response = sign_in(pair.commune_worker).post(merge_url, {"reason": "cùng một người"})
    assert response.status_code == 302
    merge = CaseMerge.objects.get()
    assert (merge.survivor, merge.absorbed, merge.agency) == (pair.case, pair.second, pair.commune)
    assert live_grants(pair.case, pair.police) == police_after
