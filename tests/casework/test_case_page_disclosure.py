"""What a case page shows an agency that does not own the case: no grant lines naming other
agencies' groups, and only the consents that concern the agency itself (privacy review)."""

import datetime

from casework import actions
from casework.models import Consent
from tests.fixtures.personas import sign_in


def test_grant_events_are_hidden_from_agencies_that_do_not_own_the_case(world):
    actions.do_assign_case(world.case, world.colleague, actor=world.supervisor)
    shelter_page = sign_in(world.shelter).get(f"/cases/{world.case.public_id}/").content.decode()
    # Grant events read "Agency — role: classes"; none may reach another agency.
    assert world.shelter_agency.name + " — " not in shelter_page
    assert world.police.name + " — " not in shelter_page
    # The owning agency sees them folded into one line per action (decision 204); who holds
    # what is on the access page, for its supervisor.
    owner_page = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert 'data-testid="access-change"' in owner_page
    access_page = sign_in(world.supervisor).get(f"/cases/{world.case.public_id}/access/").content.decode()
    assert world.shelter_agency.name in access_page


def test_receiving_agencies_see_only_the_consents_that_concern_them(world):
    for agency in (world.shelter_agency, world.union):
        actions.do_record_consent(
            world.case,
            Consent(
                given_by="person",
                classes=["core"],
                agency=agency,
                purpose=f"share with {agency.code}",
                given_on=datetime.date(2026, 1, 2),
            ),
            actor=world.owner,
        )
    page = sign_in(world.shelter).get(f"/cases/{world.case.public_id}/").content.decode()
    assert "share with t-shelter" in page and "share with t-union" not in page
    owner_page = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert "share with t-union" in owner_page
