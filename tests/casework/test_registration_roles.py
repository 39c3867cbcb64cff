"""Issue 17, decision 178: supervisors and agency administrators read and decide; they do not
register cases, whatever their agency (a national department's included). Every door of the
new-case wizard, GET and POST, answers 403 with a `refused` audit row and creates nothing, and
the "New case" link is not offered. Caseworkers and shelter staff register. The HTCDS import,
which creates cases too, stays an agency administrator's: it brings over another system's
records, it does not register a person received (docs/domain.md §7)."""

import pytest
from django.conf import settings
from django.urls import reverse

from casework import actions
from casework.models import AuditEvent, Case, Person, Role, StatisticsScope
from tests.fixtures.personas import make_agency, make_user, sign_in

pytestmark = pytest.mark.django_db

READERS = [Role.SUPERVISOR, Role.AGENCY_ADMIN]
REGISTRARS = [Role.CASEWORKER, Role.SHELTER_STAFF]
WIZARD = [
    ("GET", reverse("casework:case-create-start"), {}),
    ("POST", reverse("casework:case-create-start"), {"full_name": "Nguyễn Thị Hoa", "sex": "female"}),
    *(("GET", reverse("casework:case-create", args=[step]), {}) for step in ("person", "facts", "review")),
    ("GET", reverse("casework:case-create", args=["person"]) + "?restart=1", {}),
    ("POST", reverse("casework:case-create", args=["person"]), {"full_name": "Nguyễn Thị Hoa", "sex": "female"}),
    ("POST", reverse("casework:case-create", args=["facts"]), {"came_to_notice": "border_handover"}),
    ("POST", reverse("casework:case-create", args=["review"]), {"confirm_not_duplicate": "on"}),
    ("POST", reverse("casework:case-create", args=["nowhere"]), {}),
]


def national_department():
    agency = make_agency("cuc-btxh-test", "social_protection", None)
    agency.statistics_scope = StatisticsScope.NATIONAL
    agency.save(update_fields=["statistics_scope"])
    return agency


def client_for(user, **membership):
    client = sign_in(user, **membership)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.raise_request_exception = False
    return client


def refused_rows(user) -> int:
    return AuditEvent.objects.filter(
        actor=user, action=AuditEvent.Action.REFUSED, detail__capability="register_case"
    ).count()


@pytest.mark.parametrize("where", ["police", "national"])
@pytest.mark.parametrize("role", READERS)
def test_readers_are_refused_at_every_door_of_the_wizard(world, role, where):
    agency = world.police if where == "police" else national_department()
    user = make_user(f"reader.{role}.{where}", agency, role)
    client = client_for(user)
    cases, people = Case.objects.count(), Person.objects.count()
    for method, url, data in WIZARD:
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code == 403, (method, url)
        assert "do not register cases" in response.content.decode(), (method, url)
        headers = {"HTTP_HX_REQUEST": "true"}
        response = client.get(url, **headers) if method == "GET" else client.post(url, data, **headers)
        assert response.status_code == 403, (method, url, "htmx")
    assert refused_rows(user) == 2 * len(WIZARD)
    assert (Case.objects.count(), Person.objects.count()) == (cases, people)
    home = client.get("/").content.decode()
    assert reverse("casework:case-create-start") not in home


@pytest.mark.parametrize("role", REGISTRARS)
def test_caseworkers_and_shelter_staff_register(world, role):
    user = make_user(f"registrar.{role}", world.police, role)
    client = client_for(user)
    assert client.get(reverse("casework:case-create", args=["person"])).status_code == 200
    assert reverse("casework:case-create-start") in client.get("/").content.decode()
    assert refused_rows(user) == 0


def test_the_role_acted_as_decides_not_the_roles_held(world):
    """A caseworker who is also a supervisor elsewhere registers only while acting as the
    caseworker."""
    user = make_user("two.hats", world.police, Role.CASEWORKER)
    other = national_department()
    actions.do_add_membership(user, other, Role.SUPERVISOR, actor=None)
    url = reverse("casework:case-create", args=["person"])
    assert client_for(user, agency=other).get(url).status_code == 403
    assert client_for(user, agency=world.police).get(url).status_code == 200


def test_a_national_department_caseworker_registers(world):
    """The rule is the role, not the agency's reach: a national department that receives a
    person (a hotline, a mission's referral) registers her through its caseworkers."""
    user = make_user("national.worker", national_department(), Role.CASEWORKER)
    assert client_for(user).get(reverse("casework:case-create", args=["person"])).status_code == 200


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CASEWORKER, Role.SHELTER_STAFF])
def test_only_an_agency_administrator_may_import_cases(world, role):
    user = make_user(f"importer.{role}", world.police, role)
    client = client_for(user)
    assert client.get("/dashboards/imports/").status_code == 404
    assert client.post("/dashboards/imports/new/", {}).status_code == 404
    admin = make_user("importer.admin", world.police, Role.AGENCY_ADMIN)
    assert client_for(admin).get("/dashboards/imports/").status_code == 200


def test_the_django_admin_is_no_door_to_a_case():
    from django.contrib import admin

    assert Case not in admin.site._registry and Person not in admin.site._registry
