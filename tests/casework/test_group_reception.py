"""Group reception (issue 16): a group registered in one sitting, one incident, one case per
person, children linked to the adults who came with them, the wizard's duplicate rule."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.group_actions import GroupPerson, do_register_group
from casework.models import (
    AuditEvent,
    Case,
    CaseEvent,
    Incident,
    PicklistValue,
    Province,
    ReceptionGroup,
    ReceptionGroupMember,
)
from tests.fixtures.personas import acting, sign_in

START = "/cases/groups/new/"


def facts(**overrides):
    data = {
        "name": "Nhóm trở về từ Campuchia (thử)",
        "summary": "Thoát khỏi một khu casino.",
        "came_to_notice": "border_handover",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "reception_province": str(Province.objects.get(code="LCA").pk),
        "reception_place": "Cửa khẩu Mộc Bài",
        "exploitation_forms": [str(PicklistValue.objects.get(code="ForcedMarriage").pk)],
    }
    data.update(overrides)
    return data


def people(rows, total=None):
    """The table as the browser posts it: `rows` filled in, then empty rows up to `total`."""
    total = max(total or 0, len(rows))
    data = {"p-TOTAL_FORMS": str(total), "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "0", "p-MAX_NUM_FORMS": "100"}
    province = str(Province.objects.get(code="LCA").pk)
    for index in range(total):
        row = rows[index] if index < len(rows) else {}
        for field in ("full_name", "sex", "birth_year", "home_province", "document_type", "document_number"):
            data[f"p-{index}-{field}"] = ""
        data[f"p-{index}-accompanied_by"] = ""
        if row:
            data.update({f"p-{index}-home_province": province})
            data.update({f"p-{index}-{key}": str(value) for key, value in row.items()})
    return data


def group_of(size: int, children: int = 0, prefix="Người thử"):
    """`size` people: adults first, then `children` children each accompanied by row 1."""
    rows = []
    year = timezone.localdate().year
    for number in range(size):
        child = number >= size - children
        row = {"full_name": f"{prefix} {number + 1}", "sex": "female" if number % 2 else "male"}
        row["birth_year"] = year - 9 if child else 1990 + number
        if child:
            row["accompanied_by"] = 1
        rows.append(row)
    return rows


def walk(client, rows, **fact_overrides):
    assert client.post(START + "facts/", facts(**fact_overrides)).status_code == 302
    response = client.post(START + "people/", people(rows, total=len(rows) + 2))
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(START + "review/")


def test_a_group_of_twelve_is_one_incident_twelve_cases_and_children_linked(world):
    client = sign_in(world.owner)
    before_cases = Case.objects.count()
    review = walk(client, group_of(12, children=3))
    assert review.status_code == 200
    text = review.content.decode()
    assert "Người thử 12" in text and 'data-testid="duplicate-warning"' not in text
    response = client.post(START + "review/", {"create": "1"})
    group = ReceptionGroup.objects.get()
    assert response["Location"] == f"/cases/groups/{group.public_id}/"
    assert Case.objects.count() == before_cases + 12
    assert Incident.objects.filter(reception_groups=group).count() == 1
    members = list(group.members.select_related("case__person", "accompanied_by"))
    assert [member.position for member in members] == list(range(1, 13))
    cases = [member.case for member in members]
    assert {case.incident_id for case in cases} == {group.incident_id}
    assert all(case.owning_agency == world.police for case in cases)
    assert all(case.reception_place == "Cửa khẩu Mộc Bài" for case in cases)
    assert all(list(case.exploitation_forms.values_list("code", flat=True)) == ["ForcedMarriage"] for case in cases)
    children = [member for member in members if member.case.is_child]
    assert [member.position for member in children] == [10, 11, 12]
    assert all(member.accompanied_by == cases[0] for member in children)
    assert all(member.accompanied_by is None for member in members if not member.case.is_child)
    # Timeline and audit exactly as a case registered alone, plus the incident link.
    for case in cases:
        kinds = set(case.events.values_list("kind", flat=True))
        assert {CaseEvent.Kind.CREATED, CaseEvent.Kind.GRANT, CaseEvent.Kind.INCIDENT} <= kinds
        assert AuditEvent.objects.filter(case=case, action=AuditEvent.Action.CREATE).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="receptiongroup").count() == 1
    # The group page lists the cases, as links, with the names the user may read.
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert all(f"/cases/{case.public_id}/" in body for case in cases)
    assert "Người thử 7" in body
    assert f"/incidents/{group.incident.public_id}/" in body
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type="receptiongroup").count() == 1
    # The draft is gone once the group exists.
    assert client.get(START + "review/")["Location"] == START + "facts/"


def test_a_resubmitted_confirmation_creates_nothing_more(world):
    client = sign_in(world.owner)
    walk(client, group_of(3))
    session_before = dict(client.session["reception_group"])
    first = client.post(START + "review/", {"create": "1"})
    cases = Case.objects.count()
    # The answer never arrived: the browser sends the same sitting again.
    session = client.session
    session["reception_group"] = session_before
    session.save()
    again = client.post(START + "review/", {"create": "1"})
    assert again["Location"] == first["Location"]
    assert ReceptionGroup.objects.count() == 1 and Incident.objects.count() == 1
    assert Case.objects.count() == cases


def test_duplicates_are_flagged_per_row_by_the_wizard_rule(world):
    client = sign_in(world.colleague)
    rows = group_of(3)
    rows[1].update(full_name="Nguyen Thi Lan", birth_year=1999)  # the world's case, seen by the colleague
    review = walk(client, rows)
    text = review.content.decode()
    assert 'data-testid="duplicate-warning"' in text
    row = text.split('data-testid="review-row-2"')[1].split("</li>")[0]
    assert world.case.reference in row
    assert world.case.reference not in text.split('data-testid="review-row-2"')[0]
    checks = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH, detail__duplicate_check=True)
    assert checks.count() == 3
    refused = client.post(START + "review/", {"create": "1"})
    assert refused.status_code == 400
    assert not ReceptionGroup.objects.exists()
    client.post(START + "review/", {"create": "1", "confirm_not_duplicate": "on"})
    assert ReceptionGroup.objects.count() == 1


def test_a_match_the_user_cannot_see_is_not_shown_but_its_owner_is_told(world):
    client = sign_in(world.outsider)
    rows = group_of(2)
    rows[0].update(full_name="Nguyễn Thị Lan", birth_year=1999)
    review = walk(client, rows)
    assert world.case.reference not in review.content.decode()
    assert b'data-testid="duplicate-warning"' not in review.content
    assert client.post(START + "review/", {"create": "1"}).status_code == 302
    member = ReceptionGroupMember.objects.get(position=1)
    told = world.case.events.get(kind=CaseEvent.Kind.POSSIBLE_DUPLICATE)
    assert member.case.reference in told.reason
    assert not member.case.events.filter(kind=CaseEvent.Kind.POSSIBLE_DUPLICATE).exists()


@pytest.mark.parametrize("persona", ["supervisor", "other_supervisor"])
def test_a_role_that_cannot_register_cases_cannot_register_a_group(world, persona):
    client = sign_in(getattr(world, persona))
    for step in ("", "facts/", "people/", "review/", "nonsense/"):
        assert client.get(START + step).status_code == 403
    assert client.post(START + "facts/", facts()).status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, detail__capability="register_case").exists()
    assert b'data-testid="group-create-link"' not in client.get("/").content


def test_the_group_page_is_not_found_for_another_agency(world):
    client = sign_in(world.owner)
    walk(client, group_of(2))
    location = client.post(START + "review/", {"create": "1"})["Location"]
    assert sign_in(world.outsider).get(location).status_code == 404
    assert sign_in(world.shelter).get(location).status_code == 404
    assert sign_in(world.supervisor).get(location).status_code == 200


def test_bad_rows_are_a_400_with_the_message_beside_the_row_and_nothing_lost(world):
    client = sign_in(world.owner)
    client.post(START + "facts/", facts())
    year = timezone.localdate().year
    rows = [
        {"full_name": "Người lớn Một", "sex": "female", "birth_year": 1980},
        {"full_name": "Em Nhỏ", "sex": "male", "birth_year": year - 5, "accompanied_by": 3},
        {"full_name": "Em Lớn", "sex": "male", "birth_year": year - 10},
        {"full_name": "Không Giới Tính", "birth_year": 3000, "document_number": "012345678901"},
        {"full_name": "Tự Mình", "sex": "female", "accompanied_by": 5},
    ]
    response = client.post(START + "people/", people(rows, total=6))
    assert response.status_code == 400
    text = response.content.decode()
    for value in ("Người lớn Một", "Em Nhỏ", "Không Giới Tính", "3000", "012345678901", "Tự Mình"):
        assert f'value="{value}"' in text
    # Each message in its row (the page is in Vietnamese): a child as companion, no sex, a
    # year in the future, a number without its document type, a row accompanying itself.
    table_rows = text.split("data-group-row>")[1:]
    assert "Người ở dòng 3 chưa đủ 18 tuổi." in table_rows[1]
    # Without JavaScript the server marks the children by the year typed.
    assert "text-bg-warning" in table_rows[1] and "text-bg-warning" not in table_rows[0]
    assert "Vui lòng nhập năm trong khoảng từ 1900 đến năm hiện tại." in table_rows[3]
    assert "Vui lòng chọn loại giấy tờ tương ứng với số giấy tờ." in table_rows[3]
    assert "Một người không thể tự đi cùng chính mình." in table_rows[4]
    assert "invalid-feedback" not in table_rows[0] + table_rows[2] + table_rows[5].split("<template")[0]
    assert not Case.objects.exclude(pk=world.case.pk).exists()
    # Reloading the step shows the same table.
    assert 'value="Tự Mình"' in client.get(START + "people/").content.decode()
    # The review is not reachable with bad rows.
    assert client.get(START + "review/")["Location"] == START + "people/"


def test_an_empty_table_and_garbage_management_data_are_refused_not_a_500(world):
    client = sign_in(world.owner)
    client.post(START + "facts/", facts())
    assert client.post(START + "people/", people([], total=5)).status_code == 400
    broken = people(group_of(1))
    broken["p-TOTAL_FORMS"] = "9" * 30
    assert client.post(START + "people/", broken).status_code in (302, 400)
    del broken["p-TOTAL_FORMS"]
    assert client.post(START + "people/", broken).status_code == 400
    nul = people([{"full_name": "A\x00B", "sex": "female"}])
    assert client.post(START + "people/", nul).status_code == 400


def test_more_rows_without_javascript_keeps_what_was_typed(world):
    client = sign_in(world.owner)
    client.post(START + "facts/", facts())
    data = people(group_of(2), total=5)
    data["more"] = "1"
    response = client.post(START + "people/", data)
    assert response.status_code == 302
    page = client.get(START + "people/").content.decode()
    assert 'name="p-TOTAL_FORMS" value="10"' in page
    assert 'value="Người thử 2"' in page and 'name="p-9-full_name"' in page


def test_the_people_step_needs_the_shared_facts_first(world):
    client = sign_in(world.owner)
    client.get(START + "?restart=1")
    assert client.get(START + "people/")["Location"] == START + "facts/"
    bad = client.post(START + "facts/", facts(received_at="not a date", name="Giữ lại"))
    assert bad.status_code == 400 and 'value="Giữ lại"' in bad.content.decode()


def _registration_queries(client, size: int) -> int:
    """Statements of the confirming POST, SAVEPOINTs left out (tests/fixtures/queries.py)."""
    walk(client, group_of(size, prefix=f"Q{size}"))
    with CaptureQueriesContext(connection) as queries:
        response = client.post(START + "review/", {"create": "1"})
        statements = [query["sql"].upper() for query in queries.captured_queries]
    assert response.status_code == 302
    return sum(1 for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))


def _wizard_queries(client) -> int:
    """The same for one case registered through the single-case wizard."""
    client.get("/cases/new/?restart=1")
    person = {"full_name": "Một Mình", "sex": "female", "birth_year": "1990", "poor_household": "unknown"}
    assert client.post("/cases/new/person/", person).status_code == 302
    assert client.post("/cases/new/facts/", facts()).status_code == 302
    client.get("/cases/new/review/")
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/cases/new/review/", {"create": "1"})
        statements = [query["sql"].upper() for query in queries.captured_queries]
    assert response.status_code == 302
    return sum(1 for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))


def test_registering_twelve_costs_a_fixed_number_of_queries_per_person(world):
    """Each person is registered by the wizard's own action (reference, grants, timeline,
    audit, routing), so the cost is linear: a fixed number of statements per person, at most
    what the wizard's confirmation costs for one case, on top of a fixed number for the
    group. Measured: 74 per person and 12 for the group (SQLite)."""
    client = sign_in(world.owner)
    alone = _wizard_queries(client)
    three = _registration_queries(client, 3)
    six = _registration_queries(client, 6)
    twelve = _registration_queries(client, 12)
    per_person = (six - three) // 3
    assert twelve - six == per_person * 6  # exactly linear: nothing per person grows with the group
    assert per_person <= alone
    assert twelve <= 12 * per_person + 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_of_one_sitting_make_one_group(world):
    """The second waits on the group's unique token, rolls back all it made, and gets the
    first's group."""
    actor = acting(world.owner)
    lao_cai = Province.objects.get(code="LCA")
    shared = {"came_to_notice": "rescue", "received_at": timezone.now(), "reception_province": lao_cai}
    results, errors = [], []
    start = threading.Barrier(2)

    def confirm():
        try:
            start.wait()
            people = [
                GroupPerson(position=number, person={"full_name": f"Đồng Thời {number}", "sex": "female"})
                for number in (1, 2, 3)
            ]
            group, created = do_register_group(
                token="c" * 32, actor=actor, agency=world.police, facts=shared, people=people
            )
            results.append((group.pk, created))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(created for _pk, created in results) == [False, True]
    assert len({pk for pk, _created in results}) == 1
    assert ReceptionGroup.objects.count() == 1 and Incident.objects.count() == 1
    assert Case.objects.filter(person__full_name__startswith="Đồng Thời").count() == 3


def test_a_group_has_at_most_a_hundred_rows(world):
    client = sign_in(world.owner)
    client.post(START + "facts/", facts())
    too_many = people(group_of(2), total=101)
    refused = client.post(START + "people/", too_many)
    assert refused.status_code == 400
    assert b'data-testid="group-errors"' in refused.content
    at_most = people(group_of(2), total=100)
    at_most["more"] = "1"
    client.post(START + "people/", at_most)
    assert 'name="p-TOTAL_FORMS" value="100"' in client.get(START + "people/").content.decode()
