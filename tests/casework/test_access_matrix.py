"""QUALITY S3: every case URL × every persona × own / referred / other agency / closed case.

The expected status codes are written out as a table, not derived from the access rules, so
a change in what a persona may do shows up here as a failing row. 404: the case is not
visible (and a `denied` row); 403: visible, but the action is not the persona's to take (and a
`refused` row); 302: done or refused by a workflow rule, back to the case page; 400: an
on-demand form refused by a workflow rule, shown again as typed with the reason (decision 330).
"""

import re
import uuid
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework import actions
from casework.access import case_classes
from casework.models import (
    AuditEvent,
    CaseEvent,
    CaseGrant,
    CaseStatus,
    Consent,
    Membership,
    Role,
    SensitivityClass,
)
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in

PDF = b"%PDF-1.4\n% matrix test document\n" + b"0" * 64 + b"\n%%EOF\n"

PERSONAS = ("owner", "colleague", "supervisor", "shelter", "outsider", "other_supervisor")
SITUATIONS = ("own", "referred", "other_agency", "closed")

OTHER_AGENCY_NAME = "Trần Thị Hà"
CLOSED_NAME = "Lý Thị Mai"
IDENTITY_DOC_TITLE = "Giấy tờ tùy thân matrix"
INVESTIGATION_DOC_TITLE = "Biên bản lời khai matrix"
INVESTIGATION_NOTE = "Đối tượng tên Hùng, biển số 24A-99999"


def client_for(user, agency=None):
    """A signed-in client that reports a server error as a 500 instead of raising."""
    client = sign_in(user, agency)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    client.raise_request_exception = False
    return client


def results(response) -> str:
    """The rows of a case list page (the search box echoes what was typed)."""
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<tbody>") == 1
    return html[html.index("<tbody>") : html.index("</tbody>")]


def upload(case, actor, agency, *, sensitivity, title):
    return actions.do_upload_document(
        case,
        upload=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        kind="other",
        sensitivity=sensitivity,
        title=title,
        actor=actor,
        agency=agency,
        max_bytes=1_000_000,
    )


def furnish(case, actor, agency) -> SimpleNamespace:
    """Give a case the objects the URLs point at: two documents, a consent and a note."""
    return SimpleNamespace(
        case=case,
        note=actions.do_add_note(case, body="ghi chú", sensitivity=SensitivityClass.CORE, actor=actor, agency=agency),
        doc_identity=upload(case, actor, agency, sensitivity=SensitivityClass.IDENTITY, title=IDENTITY_DOC_TITLE),
        doc_investigation=upload(
            case, actor, agency, sensitivity=SensitivityClass.INVESTIGATION, title=INVESTIGATION_DOC_TITLE
        ),
        consent=actions.do_record_consent(
            case,
            Consent(
                given_by=Consent.GivenBy.PERSON,
                classes=[SensitivityClass.CORE, SensitivityClass.SHELTER],
                purpose="shelter placement",
                given_on=timezone.localdate(),
            ),
            actor=actor,
        ),
    )


@pytest.fixture
def scene(world):
    """The `world` personas and one furnished case per situation."""
    owner = acting(world.owner)
    own = furnish(world.case, owner, world.police)
    actions.do_add_note(
        world.case,
        body=INVESTIGATION_NOTE,
        sensitivity=SensitivityClass.INVESTIGATION,
        actor=owner,
        agency=world.police,
    )

    border = make_agency("t-border", "border_guard", "LCA")
    border_worker = acting(make_user("border.worker", border, Role.CASEWORKER))
    other_agency = furnish(make_case(border, border_worker, name=OTHER_AGENCY_NAME), border_worker, border)

    # A border-guard case whose verification the police accepted: the police work on it as a
    # receiver (Law 53 art. 27(3)), they do not lead it.
    border_case = make_case(border, border_worker, name="Vàng Thị Sua")
    referred = furnish(border_case, border_worker, border)
    from referrals.actions import do_accept_referral, do_acknowledge_referral, do_send_referral
    from referrals.models import ReferralPurpose

    verification = do_send_referral(
        border_case,
        purpose=ReferralPurpose.objects.get(code="verification"),
        to_agency=world.police,
        from_agency=border,
        actor=border_worker,
    )
    do_acknowledge_referral(verification, actor=owner)
    do_accept_referral(verification, actor=owner)
    actions.do_record_consent(
        border_case,
        Consent(
            given_by=Consent.GivenBy.PERSON,
            classes=[SensitivityClass.CORE],
            agency=world.police,
            purpose="xác minh",
            given_on=timezone.localdate(),
        ),
        actor=border_worker,
    )
    referred.consent = border_case.consents.get(agency=world.police)

    closed_case = make_case(world.police, owner, name=CLOSED_NAME, birth_year=1990)
    closed = furnish(closed_case, owner, world.police)
    actions.do_transition_case(closed_case, CaseStatus.CLOSED, reason="returned home safely", actor=owner)
    closed_case.refresh_from_db()
    assert closed_case.status == CaseStatus.CLOSED

    return SimpleNamespace(
        world=world,
        situations={"own": own, "referred": referred, "other_agency": other_agency, "closed": closed},
        users={name: getattr(world, name) for name in PERSONAS},
    )


def _post_data(route: str, target: SimpleNamespace, world) -> dict:
    today = timezone.localdate().isoformat()
    return {
        "transition": {"status": CaseStatus.VERIFYING, "reason": "verification starts"},
        "identification": {
            "outcome": "victim",
            "identified_on": today,
            "authority": "Công an tỉnh Lào Cai",
            "document": "123/QĐ",
            "reason": "statements and documents",
        },
        "reopen": {"reason": "new facts came to light"},
        "assign": {"user": world.colleague.pk},
        "note": {"body": "matrix note", "sensitivity": SensitivityClass.CORE},
        "document": {
            "file": SimpleUploadedFile("new.pdf", PDF, content_type="application/pdf"),
            "kind": "other",
            "sensitivity": SensitivityClass.CORE,
            "title": "matrix upload",
        },
        "consent": {
            "given_by": Consent.GivenBy.PERSON,
            "classes": [SensitivityClass.CORE],
            "purpose": "matrix consent",
            "given_on": today,
        },
        "consent_withdraw": {"consent": target.consent.pk, "reason": "the person changed her mind"},
        "incident": {"criminal_case_number": "HS-2025-1", "summary": "matrix incident"},
        "offender": {
            "full_name": "Đối tượng A",
            "sex": "male",
            "role_in_process": "Recruiter",
            "relation_to_victim": "Stranger",
        },
        "proposal": {"outcome": "victim", "grounds": ["person_statement"], "grounds_text": "Lời khai"},
        "verification": {"outcome": "no_signs", "concluded_at": today + "T08:00", "note": "Không có dấu hiệu"},
        "return": {"returned_on": today},
        "task": {"task": 1, "outcome": "Đã báo người thân"},
        # No incident yet: refused by the rule (nothing to unlink, no such offender), or a form
        # naming an incident the persona may not see.
        "incident_unlink": {"reason": "not part of the ring"},
        "offender_edit": {"o1-base": "{}", "o1-full_name": "B"},
        "offender_remove": {},
        "same_person_unlink": {"reason": "not the same woman"},
        "same_person_merge": {},
        "merge_reverse": {"reason": "merged by mistake"},
    }[route]


POST_ROUTES = {
    "transition": "transition/",
    "identification": "identification/",
    "reopen": "reopen/",
    "assign": "assign/",
    "note": "notes/",
    "document": "documents/",
    "consent": "consents/",
    "consent_withdraw": "consents/withdraw/",
    "incident": "incident/",
    "offender": "offenders/",
    "proposal": "proposal/",
    "verification": "verification/",
    "return": "return/",
    "task": "tasks/",
    "incident_unlink": "incident/unlink/",
    "offender_edit": "offenders/<int:offender>/",
    "offender_remove": "offenders/<int:offender>/remove/",
    # Same person (decisions 193-195): no link or merge exists, so a visible case answers by the rule.
    "same_person_unlink": "same-person/<int:link_id>/unlink/",
    "same_person_merge": "same-person/<int:link_id>/merge/",
    "merge_reverse": "merges/<int:merge_id>/reverse/",
}
# The correction pages (issue 16); a case without an incident sends its page back (302).
EDIT_ROUTES = {
    "edit": "edit/",
    "person_edit": "person/edit/",
    "incident_edit": "incident/edit/",
    "incident_link": "incident/link/",
    "same_person": "same-person/",
}
GET_ROUTES = ("detail", "timeline", "notes", "access", "support", "doc_identity", "doc_investigation", *EDIT_ROUTES)
ROUTES = (*GET_ROUTES, *POST_ROUTES)


def url_for(route: str, target: SimpleNamespace) -> str:
    base = f"/cases/{target.case.public_id}/"
    if route == "detail":
        return base
    if route == "timeline":  # the lines older than the case's newest (decision 311)
        line = getattr(target, "line", None) or target.case.events.first()
        return base + f"timeline/?before={line.pk}"
    if route == "notes":  # the notes older than a note of the case (decision 313)
        return base + f"notes/older/?before={target.note.pk}"
    if route == "access":
        return base + "access/"
    if route == "support":
        return base + "support/"
    if route == "doc_identity":
        return base + f"documents/{target.doc_identity.public_id}/"
    if route == "doc_investigation":
        return base + f"documents/{target.doc_investigation.public_id}/"
    if route in EDIT_ROUTES:
        return base + EDIT_ROUTES[route]
    return base + re.sub(r"<int:\w+>", "1", POST_ROUTES[route])


# Expected status per route: one column per persona, in PERSONAS order
# (owner, colleague, supervisor, shelter, outsider, other_supervisor).
ALL_404 = (404, 404, 404, 404, 404, 404)
LEAD_WORKERS = (302, 302, 403, 403, 404, 404)  # caseworkers of the lead; the others who see it may not
LEAD_WORKERS_CLOSED = (302, 302, 403, 404, 404, 404)  # the shelter no longer sees a closed case
RECEIVER_WORKERS = (302, 302, 403, 404, 404, 404)  # the police caseworkers work as receivers
NOT_RECEIVERS = (403, 403, 403, 404, 404, 404)  # the lead's work is not the receiver's
# As above, where the rule refuses the post (its form shown again, 400).
LEAD_REFUSED = (400, 400, 403, 403, 404, 404)
LEAD_REFUSED_CLOSED = (400, 400, 403, 404, 404, 404)
RECEIVER_REFUSED = (400, 400, 403, 404, 404, 404)
LEAD_EDITORS = (200, 200, 403, 403, 404, 404)  # a correction page: the lead's caseworkers
EXPECTED: dict[str, dict[str, tuple[int, ...]]] = {
    # The police case, referred to the shelter without `investigation`.
    "own": {
        "detail": (200, 200, 200, 200, 404, 404),
        "access": (403, 403, 200, 403, 404, 404),
        "support": (200, 200, 200, 404, 404, 404),  # the shelter holds no `support`
        "doc_identity": (200, 200, 200, 200, 404, 404),
        "doc_investigation": (200, 200, 200, 404, 404, 404),
        "transition": LEAD_WORKERS,
        "identification": LEAD_REFUSED,  # the police may identify; not before verification
        "proposal": (403, 403, 403, 403, 404, 404),  # the police decide; they do not propose
        "verification": LEAD_REFUSED,  # refused by the rule (no social agency received her)
        "reopen": LEAD_WORKERS,
        "assign": (302, 400, 400, 403, 404, 404),  # the second and third: already assigned
        "note": LEAD_WORKERS,
        "document": LEAD_WORKERS,
        "consent": LEAD_WORKERS,
        "consent_withdraw": LEAD_WORKERS,
        "incident": LEAD_WORKERS,
        "offender": LEAD_REFUSED,  # no incident recorded yet
        "return": LEAD_REFUSED,  # she is not abroad
        "task": LEAD_WORKERS,
        "edit": LEAD_EDITORS,
        "person_edit": LEAD_EDITORS,
        "incident_edit": LEAD_WORKERS,
        "incident_link": LEAD_EDITORS,
        "incident_unlink": LEAD_WORKERS,
        "offender_edit": LEAD_WORKERS,
        "offender_remove": LEAD_WORKERS,
        "same_person": (200, 200, 200, 403, 404, 404),
        "same_person_unlink": (404, 404, 404, 403, 404, 404),  # no such link
        "same_person_merge": (404, 404, 404, 403, 404, 404),
        "merge_reverse": (403, 403, 403, 403, 404, 404),  # agency administrators only
    },
    # The border guard's case, whose verification the police accepted.
    "referred": {
        "detail": (200, 200, 200, 404, 404, 404),
        "access": (403, 403, 403, 404, 404, 404),
        "support": (404, 404, 404, 404, 404, 404),  # verification shares no `support`
        "doc_identity": (200, 200, 200, 404, 404, 404),
        "doc_investigation": (200, 200, 200, 404, 404, 404),
        "transition": NOT_RECEIVERS,
        "identification": RECEIVER_REFUSED,
        "proposal": NOT_RECEIVERS,
        "verification": RECEIVER_REFUSED,
        "reopen": NOT_RECEIVERS,
        "assign": NOT_RECEIVERS,
        "note": RECEIVER_WORKERS,
        "document": RECEIVER_WORKERS,
        "consent": NOT_RECEIVERS,
        "consent_withdraw": NOT_RECEIVERS,
        "incident": RECEIVER_WORKERS,
        "offender": RECEIVER_REFUSED,
        "return": NOT_RECEIVERS,
        "task": NOT_RECEIVERS,
        "edit": NOT_RECEIVERS,  # the lead corrects the facts
        "person_edit": NOT_RECEIVERS,
        "incident_edit": RECEIVER_WORKERS,
        "incident_link": (200, 200, 403, 404, 404, 404),
        "incident_unlink": RECEIVER_WORKERS,
        "offender_edit": RECEIVER_WORKERS,
        "offender_remove": RECEIVER_WORKERS,
        "same_person": NOT_RECEIVERS,  # a link names each lead's record to the other: the lead's
        "same_person_unlink": NOT_RECEIVERS,
        "same_person_merge": NOT_RECEIVERS,  # the lead merges
        "merge_reverse": NOT_RECEIVERS,
    },
    # A border-guard case: none of the personas has any grant on it.
    "other_agency": dict.fromkeys(ROUTES, ALL_404),
    # A closed police case (no referral): the owning agency still sees it.
    "closed": {
        "detail": (200, 200, 200, 404, 404, 404),
        "access": (403, 403, 200, 404, 404, 404),
        "support": (200, 200, 200, 404, 404, 404),
        "doc_identity": (200, 200, 200, 404, 404, 404),
        "doc_investigation": (200, 200, 200, 404, 404, 404),
        "transition": LEAD_WORKERS_CLOSED,
        "identification": LEAD_REFUSED_CLOSED,
        "proposal": (403, 403, 403, 404, 404, 404),
        "verification": LEAD_REFUSED_CLOSED,
        "reopen": LEAD_WORKERS_CLOSED,
        "assign": (302, 400, 400, 404, 404, 404),
        "note": LEAD_WORKERS_CLOSED,
        "document": LEAD_WORKERS_CLOSED,
        "consent": LEAD_WORKERS_CLOSED,
        "consent_withdraw": LEAD_WORKERS_CLOSED,
        "incident": LEAD_WORKERS_CLOSED,
        "offender": LEAD_REFUSED_CLOSED,
        "return": LEAD_REFUSED_CLOSED,
        "task": LEAD_WORKERS_CLOSED,
        "edit": (200, 200, 403, 404, 404, 404),  # a closed record is still corrected
        "person_edit": (200, 200, 403, 404, 404, 404),
        "incident_edit": LEAD_WORKERS_CLOSED,
        "incident_link": (200, 200, 403, 404, 404, 404),
        "incident_unlink": LEAD_WORKERS_CLOSED,
        "offender_edit": LEAD_WORKERS_CLOSED,
        "offender_remove": LEAD_WORKERS_CLOSED,
        "same_person": (200, 200, 200, 404, 404, 404),
        "same_person_unlink": ALL_404,
        "same_person_merge": ALL_404,
        "merge_reverse": (403, 403, 403, 404, 404, 404),
    },
}
# The older timeline lines and notes are read by whoever reads the case page.
for expected in EXPECTED.values():
    expected["timeline"] = expected["notes"] = expected["detail"]

MATRIX = [pytest.param(situation, route, id=f"{situation}-{route}") for situation in SITUATIONS for route in ROUTES]


def test_the_table_covers_every_case_url():
    """A new case route in casework/urls.py or support/urls.py must get a row here."""
    from casework.urls import urlpatterns
    from support.urls import urlpatterns as support_urlpatterns

    case_routes = {
        str(pattern.pattern)
        for pattern in [*urlpatterns, *support_urlpatterns]
        if "<uuid:code>" in str(pattern.pattern)
    }
    covered = {
        "cases/<uuid:code>/",
        "cases/<uuid:code>/access/",
        "cases/<uuid:code>/timeline/",
        "cases/<uuid:code>/notes/older/",
        "cases/<uuid:code>/support/",
        "cases/<uuid:code>/documents/<uuid:document>/",
        # The support plan's forms: their access is tested in tests/support/test_support_plan.py.
        "cases/<uuid:code>/support/claims/",
        "cases/<uuid:code>/support/claims/<uuid:claim>/decide/",
        "cases/<uuid:code>/support/payments/",
        "cases/<uuid:code>/support/extensions/",
        # The consent and document forms fetched on demand (decision 253): their access (404
        # denied, 403 refused) is tested in tests/casework/test_case_forms_on_demand.py.
        "cases/<uuid:code>/<str:name>/form/",
    }
    covered |= {f"cases/<uuid:code>/{suffix}" for suffix in [*POST_ROUTES.values(), *EDIT_ROUTES.values()]}
    assert case_routes == covered
    assert all(set(EXPECTED[situation]) == set(ROUTES) for situation in SITUATIONS)


def _check_one(scene, situation: str, route: str, persona: str, expected: int) -> tuple[int, list[str]]:
    """One request of the matrix: its status and whatever else is wrong about it."""
    target = scene.situations[situation]
    user = scene.users[persona]
    case = target.case
    url = url_for(route, target)
    client = client_for(user)
    events_before = CaseEvent.objects.filter(case=case).count()
    audit_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    if route in POST_ROUTES:
        response = client.post(url, _post_data(route, target, scene.world))
    else:
        response = client.get(url)

    status = response.status_code
    problems = []
    if status != expected:
        return status, problems
    new_audit = AuditEvent.objects.filter(id__gt=audit_before, actor=user)
    if status == 403:
        # Visible, but not this persona's action: a refused row names it; nothing changes.
        if not new_audit.filter(action=AuditEvent.Action.REFUSED, detail__reason="authority").exists():
            problems.append(f"{persona}: no refused audit row")
        if new_audit.filter(action=AuditEvent.Action.DENIED).exists():
            problems.append(f"{persona}: a denied row for a visible case")
        if CaseEvent.objects.filter(case=case).count() != events_before:
            problems.append(f"{persona}: a refused request changed the case timeline")
    elif status == 404:
        # Not found and not allowed look the same and leave a "denied" row; nothing changes.
        if case.reference.encode() in response.content:
            problems.append(f"{persona}: the 404 page shows the case reference")
        if not new_audit.filter(action=AuditEvent.Action.DENIED).exists():
            problems.append(f"{persona}: no denied audit row")
        if new_audit.exclude(action=AuditEvent.Action.DENIED).exists():
            problems.append(f"{persona}: audit rows other than denied: {list(new_audit.values_list('action'))}")
        if CaseEvent.objects.filter(case=case).count() != events_before:
            problems.append(f"{persona}: a refused request changed the case timeline")
    elif status == 302:
        if not response["Location"].startswith(f"/cases/{case.public_id}/"):
            problems.append(f"{persona}: redirected to {response['Location']}")
        if new_audit.filter(action=AuditEvent.Action.DENIED).exists():
            problems.append(f"{persona}: a denied row for an allowed request")
    elif status == 400:
        if case.reference.encode() not in response.content:
            problems.append(f"{persona}: the refused form's page does not name the case")
        if not new_audit.filter(action=AuditEvent.Action.REFUSED).exists():
            problems.append(f"{persona}: no refused row")
        if CaseEvent.objects.filter(case=case).count() != events_before:
            problems.append(f"{persona}: a refused request changed the case timeline")
    elif route.startswith("doc_"):
        if b"".join(response.streaming_content) != PDF:
            problems.append(f"{persona}: the download is not the uploaded file")
        if not response["Content-Disposition"].startswith("attachment"):
            problems.append(f"{persona}: the download is not an attachment")
        if new_audit.filter(action=AuditEvent.Action.DOWNLOAD).count() != 1:
            problems.append(f"{persona}: no single download audit row")
    else:
        if case.reference.encode() not in response.content:
            problems.append(f"{persona}: the page does not show the case")
        if new_audit.filter(action=AuditEvent.Action.VIEW, case=case).count() != 1:
            problems.append(f"{persona}: no single view audit row")
    return status, problems


@pytest.mark.parametrize(("situation", "route"), MATRIX)
def test_access_matrix(scene, situation, route):
    """One row of the table: the route on one case, requested by each persona in turn."""
    expected = dict(zip(PERSONAS, EXPECTED[situation][route], strict=True))
    observed, problems = {}, []
    for persona in PERSONAS:
        observed[persona], found = _check_one(scene, situation, route, persona, expected[persona])
        problems += found
    assert observed == expected
    assert problems == []


def test_owning_supervisor_assigns_without_change_permission(scene):
    case = scene.world.case
    response = client_for(scene.world.supervisor).post(
        url_for("assign", scene.situations["own"]), {"user": scene.world.colleague.pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == scene.world.colleague


# Page content --------------------------------------------------------------------------------


def test_shelter_page_has_no_investigation_section(scene):
    own = scene.situations["own"]
    owner_page = client_for(scene.world.owner).get(url_for("detail", own)).content.decode()
    shelter_page = client_for(scene.world.shelter).get(url_for("detail", own)).content.decode()

    # The owner sees all of it, so the absence below is a real filter.
    assert 'id="investigation"' in owner_page
    assert INVESTIGATION_NOTE in owner_page
    assert INVESTIGATION_DOC_TITLE in owner_page

    assert 'id="investigation"' not in shelter_page
    assert INVESTIGATION_NOTE not in shelter_page
    assert INVESTIGATION_DOC_TITLE not in shelter_page
    assert str(own.doc_investigation.public_id) not in shelter_page
    # What the referral did grant is there.
    assert own.case.person.full_name in shelter_page
    assert IDENTITY_DOC_TITLE in shelter_page
    assert "R-TEST-1" in shelter_page  # the "why can I see this" line names the referral


@pytest.mark.parametrize("persona", ["outsider", "other_supervisor"])
def test_foreign_list_and_search_contain_no_foreign_case(scene, persona):
    client = client_for(scene.users[persona])
    references = [target.case.reference for target in scene.situations.values()]
    for query in ({}, {"q": "nguyen"}, {"q": scene.world.case.reference}, {"q": "LCA-"}):
        page = results(client.get("/", query))
        assert "No cases match" in page
        for reference in references:
            assert reference not in page, (persona, query)
        assert scene.world.case.person.full_name not in page


def test_lists_show_exactly_the_visible_cases(scene):
    own, referred, other, closed = (scene.situations[name].case for name in SITUATIONS)
    owner_page = client_for(scene.world.owner).get("/").content.decode()
    assert own.reference in owner_page and closed.reference in owner_page
    assert referred.reference in owner_page  # the police work on it as receivers
    assert other.reference not in owner_page
    assert OTHER_AGENCY_NAME not in owner_page

    shelter_page = client_for(scene.world.shelter).get("/").content.decode()
    assert own.reference in shelter_page
    assert closed.reference not in shelter_page and CLOSED_NAME not in shelter_page
    assert other.reference not in shelter_page


def test_without_identity_the_name_is_never_shown(scene):
    """A police agency administrator holds only `core` on the agency's cases."""
    case = scene.world.case
    name = case.person.full_name
    admin = make_user("agency.admin", scene.world.police, Role.AGENCY_ADMIN)
    client = client_for(admin)

    page = client.get(url_for("detail", scene.situations["own"]))
    assert page.status_code == 200
    assert case.reference.encode() in page.content
    assert 'data-testid="person-name"' not in page.content.decode()
    assert IDENTITY_DOC_TITLE not in page.content.decode()

    for query in ({}, {"q": case.reference}, {"q": "nguyen thi lan"}, {"q": name}):
        listing = results(client.get("/", query))
        assert name not in listing, query
        assert CLOSED_NAME not in listing, query
    # Searching by name is reading identity data: no match at all.
    assert case.reference not in results(client.get("/", {"q": "nguyen thi lan"}))
    assert case.reference in results(client.get("/", {"q": case.reference}))
    assert "(identity not shared)" in results(client.get("/"))
    # The identity document itself is refused.
    assert client.get(url_for("doc_identity", scene.situations["own"])).status_code == 404
    # The same page for the owner does show the name (the check above can fail).
    assert name in client_for(scene.world.owner).get(url_for("detail", scene.situations["own"])).content.decode()


def test_access_list_page_names_the_holders(scene):
    page = client_for(scene.world.supervisor).get(url_for("access", scene.situations["own"])).content.decode()
    assert "R-TEST-1" in page
    assert scene.world.shelter_agency.label in page


# Unknown, malformed and anonymous ---------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_case_is_404(scene, route):
    own = scene.situations["own"]
    fake = SimpleNamespace(
        case=SimpleNamespace(public_id=uuid.uuid4()),
        doc_identity=own.doc_identity,
        doc_investigation=own.doc_investigation,
        consent=own.consent,
        line=own.case.events.first(),
        note=own.note,
    )
    client = client_for(scene.world.owner)
    url = url_for(route, fake)
    response = client.post(url, {"reason": "x"}) if route in POST_ROUTES else client.get(url)
    assert response.status_code == 404


def test_unknown_document_and_a_document_of_another_case_are_404(scene):
    own, closed = scene.situations["own"], scene.situations["closed"]
    client = client_for(scene.world.owner)
    assert client.get(f"/cases/{own.case.public_id}/documents/{uuid.uuid4()}/").status_code == 404
    # The owner may see both cases, but a document is only reachable under its own case.
    response = client.get(f"/cases/{own.case.public_id}/documents/{closed.doc_identity.public_id}/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/cases/not-a-uuid/",
        "/cases/12345/",
        "/cases/00000000-0000-0000-0000-00000000000g/",
        "/cases/not-a-uuid/access/",
        "/cases/not-a-uuid/transition/",
        "/cases/'%20OR%201=1--/",
        "/cases/{case}/documents/not-a-uuid/",
        "/cases/{case}x/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_malformed_uuid_is_404(scene, path, method):
    client = client_for(scene.world.owner)
    response = getattr(client, method)(path.format(case=scene.world.case.public_id))
    assert response.status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_is_sent_to_sign_in(scene, route):
    from django.test import Client

    client = Client(raise_request_exception=False)
    url = url_for(route, scene.situations["own"])
    response = client.post(url, {"reason": "x"}) if route in POST_ROUTES else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert scene.world.case.reference.encode() not in response.content


@pytest.mark.parametrize("route", list(POST_ROUTES))
def test_get_on_a_change_endpoint_is_refused_the_same_for_every_case(scene, route):
    """405 for a known and an unknown case alike: the method check reveals nothing."""
    client = client_for(scene.world.outsider)
    known = client.get(url_for(route, scene.situations["own"]))
    unknown = client.get(re.sub(r"<int:\w+>", "1", f"/cases/{uuid.uuid4()}/{POST_ROUTES[route]}"))
    assert known.status_code == unknown.status_code
    assert 400 <= known.status_code < 500


# Grants and revokes take effect at once -------------------------------------------------


def test_revoking_the_referral_removes_the_shelter_at_once(scene):
    world = scene.world
    own = scene.situations["own"]
    shelter = client_for(world.shelter)
    owner = client_for(world.owner)
    assert shelter.get(url_for("detail", own)).status_code == 200
    assert world.case.reference in shelter.get("/").content.decode()

    grant = CaseGrant.objects.get(case=world.case, source=CaseGrant.Source.REFERRAL, revoked_at__isnull=True)
    actions.revoke_case(grant, actor=world.owner)

    assert shelter.get(url_for("detail", own)).status_code == 404
    assert shelter.get(url_for("doc_identity", own)).status_code == 404
    assert world.case.reference not in shelter.get("/").content.decode()
    # The owning agency keeps its access.
    assert owner.get(url_for("detail", own)).status_code == 200
    assert client_for(world.colleague).get(url_for("detail", own)).status_code == 200
    assert client_for(world.supervisor).get(url_for("detail", own)).status_code == 200


def test_a_new_grant_takes_effect_at_once(scene):
    world = scene.world
    outsider = client_for(world.outsider)
    assert outsider.get(url_for("detail", scene.situations["own"])).status_code == 404
    actions.grant_case(
        world.case,
        group=world.union.role_groups.get(role=Role.SHELTER_STAFF).group,
        classes=[SensitivityClass.CORE],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-TEST-2",
        actor=world.owner,
    )
    page = outsider.get(url_for("detail", scene.situations["own"]))
    assert page.status_code == 200
    assert world.case.person.full_name not in page.content.decode()  # core only


def test_ending_a_membership_removes_access_on_the_next_request(scene):
    world = scene.world
    own = scene.situations["own"]
    colleague = client_for(world.colleague)
    assert colleague.get(url_for("detail", own)).status_code == 200

    membership = Membership.objects.get(user=world.colleague, agency=world.police)
    actions.do_end_membership(membership, actor=world.supervisor)

    response = colleague.get(url_for("detail", own))
    assert response.status_code in (302, 404)
    assert world.case.reference.encode() not in response.content
    if response.status_code == 302:
        assert "/cases/" not in response["Location"]
    listing = colleague.get("/")
    assert world.case.reference.encode() not in listing.content
    assert colleague.post(url_for("note", own), {"body": "x", "sensitivity": "core"}).status_code in (302, 404)
    assert not world.case.notes.filter(body="x").exists()


def test_ending_the_membership_of_the_assigned_caseworker_removes_access(scene):
    """The owner is assigned to the case (a personal grant). After leaving the police unit
    and working for another agency, the case must not stay visible through that grant."""
    world = scene.world
    own = scene.situations["own"]
    actions.do_add_membership(world.owner, world.union, Role.CASEWORKER, actor=None)
    as_union = client_for(world.owner, agency=world.union)

    membership = Membership.objects.get(user=world.owner, agency=world.police)
    actions.do_end_membership(membership, actor=world.supervisor)

    assert as_union.get(url_for("detail", own)).status_code == 404
    assert world.case.reference not in as_union.get("/").content.decode()
    response = as_union.post(url_for("note", own), {"body": "after leaving", "sensitivity": "core"})
    assert response.status_code == 404
    assert not world.case.notes.filter(body="after leaving").exists()


def test_closing_keeps_the_owning_agency_but_the_closed_case_stays_read_only_for_the_supervisor(scene):
    closed = scene.situations["closed"]
    page = client_for(scene.world.supervisor).get(url_for("detail", closed)).content.decode()
    assert closed.case.reference in page
    assert re.search(r'action="[^"]*/reopen/"', page) is None
    page = client_for(scene.world.owner).get(url_for("detail", closed)).content.decode()
    assert re.search(r'action="[^"]*/reopen/"', page) is not None


def test_an_assignment_does_not_follow_the_user_into_another_role(world):
    actions.do_add_membership(world.owner, world.police, Role.AGENCY_ADMIN, actor=None)
    as_admin = acting(world.owner)
    as_admin.active_membership = Membership.objects.get(user=world.owner, role=Role.AGENCY_ADMIN)
    assert case_classes(as_admin, world.case) == {"core"}
    client = sign_in(world.owner, role=Role.AGENCY_ADMIN)
    moved = client.post(f"/cases/{world.case.public_id}/transition/", {"status": "verifying", "reason": "x"})
    assert moved.status_code == 403  # the admin sees core, and may not move the case (decision 62)
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.REPORTED
