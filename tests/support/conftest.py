import pytest

from casework.models import Case, Country, LegalRegime, Person, PersonStatus, Role
from support.models import SupportItem
from tests.fixtures.personas import acting, make_agency, make_case, make_user
from tests.fixtures.shelters import shelter_world  # noqa: F401 — shared fixture


@pytest.fixture
def social(world):
    world.social = make_agency("p-social", "social_protection", "LCA")
    world.social_worker = make_user("p.social.worker", world.social, Role.CASEWORKER)
    world.social_supervisor = make_user("p.social.boss", world.social, Role.SUPERVISOR)
    return world


@pytest.fixture
def sp(world):
    world.social = make_agency("f-social", "social_protection", "LCA")
    world.worker = make_user("f.worker", world.social, Role.CASEWORKER)
    world.boss = make_user("f.boss", world.social, Role.SUPERVISOR)
    case = make_case(
        world.social, acting(world.worker), person_status=PersonStatus.VICTIM, legal_regime=LegalRegime.LAW_2024
    )
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"))
    world.case = Case.objects.get(pk=case.pk)
    world.hardship = SupportItem.objects.get(code="l53-k")
    return world
