import pytest

from casework.models import Role
from tests.fixtures.personas import make_agency, make_user
from tests.fixtures.shelters import shelter_world  # noqa: F401 — shared fixture


@pytest.fixture
def net(world):
    """The world plus a provincial social-protection agency and a Peace House."""
    world.social = make_agency("t-social", "social_protection", "LCA")
    world.social_worker = make_user("social.worker", world.social, Role.CASEWORKER)
    world.social_supervisor = make_user("social.supervisor", world.social, Role.SUPERVISOR)
    world.peace_house = make_agency("t-peace", "womens_union", "HN")
    world.peace_worker = make_user("peace.worker", world.peace_house, Role.SHELTER_STAFF)
    world.peace_caseworker = make_user("peace.caseworker", world.peace_house, Role.CASEWORKER)
    return world
