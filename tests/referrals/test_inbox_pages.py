"""The referral inbox, the referral page and its moves, and sending from the case page."""

import datetime
import uuid

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from casework import actions as casework_actions
from casework.models import AuditEvent, Consent
from referrals import actions
from referrals.models import Referral, ReferralPurpose, ReferralStatus
from tests.fixtures.personas import acting, make_agency, make_case, sign_in
from tests.fixtures.queries import page_queries

INBOX = "/referrals/"


def send(net, case=None, to_agency=None) -> Referral:
    return actions.do_send_referral(
        case or net.case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=to_agency or net.social,
        from_agency=net.police,
        actor=net.owner,
    )


def at_status(referral: Referral, status: str) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(status=status)
    referral.refresh_from_db()
    return referral


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def denied_rows(user) -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=user).count()


# The inbox ---------------------------------------------------------------------------------


def test_the_receiving_agency_sees_a_sent_referral_and_an_outsider_does_not(net):
    referral = send(net)
    response = sign_in(net.social_worker).get(INBOX)
    assert response.status_code == 200
    assert referral.reference in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LIST, actor=net.social_worker).count() == 1

    outsider = sign_in(net.outsider)
    response = outsider.get(INBOX)
    assert response.status_code == 200
    assert referral.reference not in response.content.decode()
    assert outsider.get(f"/referrals/{referral.public_id}/").status_code == 404
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED, actor=net.outsider)
    assert denied.detail["referral"] == str(referral.public_id)


def test_the_sending_agency_sees_its_open_referral_in_the_sent_section(net):
    referral = send(net)
    html = sign_in(net.owner).get(INBOX).content.decode()
    sent_section = html[html.index('id="sent"') :]
    assert referral.reference in sent_section


def test_the_header_counts_the_inbox_of_the_active_agency(net):
    send(net)
    html = sign_in(net.social_worker).get(INBOX).content.decode()
    assert 'data-testid="inbox-link"' in html
    assert '<span class="badge text-bg-danger">1</span>' in html
    assert "text-bg-danger" not in sign_in(net.outsider).get(INBOX).content.decode()


def test_overdue_referrals_come_first_then_the_soonest_due(net):
    now = timezone.now()
    later = send(net)
    soon = send(net, case=make_case(net.police, acting(net.owner), name="Người Hai"))
    overdue = send(net, case=make_case(net.police, acting(net.owner), name="Người Ba"))
    undated = send(net, case=make_case(net.police, acting(net.owner), name="Người Bốn"))
    Referral.objects.filter(pk=later.pk).update(due_at=now + datetime.timedelta(hours=5))
    Referral.objects.filter(pk=soon.pk).update(due_at=now + datetime.timedelta(hours=1))
    Referral.objects.filter(pk=overdue.pk).update(due_at=now + datetime.timedelta(hours=9), overdue_flagged_at=now)
    Referral.objects.filter(pk=undated.pk).update(due_at=None)
    html = sign_in(net.social_worker).get(INBOX).content.decode()
    positions = [html.index(referral.reference + "<") for referral in (overdue, soon, later, undated)]
    assert positions == sorted(positions)


def count_queries(client) -> tuple[int, str]:
    count, response = page_queries(client, INBOX)
    return count, response.content.decode()


def send_from_social(net) -> Referral:
    """The social agency sends one of its own cases on: it then has a "sent" section too."""
    own = make_case(net.social, acting(net.social_worker), name="Lò Thị Gửi")
    consent = Consent(
        given_by="person", classes=["core"], agency=net.peace_house, purpose="p", given_on=timezone.localdate()
    )
    casework_actions.do_record_consent(own, consent, actor=net.social_worker)
    return actions.do_send_referral(
        own,
        purpose=ReferralPurpose.objects.get(code="legal_aid"),
        to_agency=net.peace_house,
        from_agency=net.social,
        actor=net.social_worker,
    )


def test_received_rows_name_the_sender_even_when_the_agency_also_sent_some(net):
    send(net)
    send_from_social(net)
    response = sign_in(net.social_worker).get(INBOX)
    received = response.content.decode().split('data-testid="inbox"')[1].split("</table>")[0]
    assert net.police.name in received
    assert net.social.name not in received


def test_the_inbox_query_count_is_the_same_for_1_and_50_referrals(net):
    client = sign_in(net.social_supervisor)
    send(net)
    send_from_social(net)
    few, html = count_queries(client)
    assert html.count('name="referral"') == 1  # the supervisor's box to tick (decision 308)
    for index in range(49):
        send(net, case=make_case(net.police, acting(net.owner), name=f"Người Thử {index}"))
    many, html = count_queries(client)
    assert html.count('name="referral"') == 50
    assert few == many <= 12


def test_a_receiver_without_identity_sees_no_name_and_with_identity_does(net):
    referral = send(net)
    client = sign_in(net.social_worker)
    assert "Nguyễn Thị Lan" not in client.get(INBOX).content.decode()
    referral = actions.do_acknowledge_referral(referral, actor=net.social_worker)
    actions.do_accept_referral(referral, actor=net.social_worker)  # shares identity
    assert "Nguyễn Thị Lan" in client.get(INBOX).content.decode()


# The referral page and its moves -----------------------------------------------------------


def test_both_ends_see_the_referral_page_and_it_is_audited(net):
    referral = send(net)
    for user in (net.owner, net.social_worker):
        response = sign_in(user).get(f"/referrals/{referral.public_id}/")
        assert response.status_code == 200
        assert referral.reference in response.content.decode()
    views = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_id=str(referral.public_id))
    assert views.count() == 2


HANDOVER_DATA = {
    "handed_over_at": "2024-05-01T09:30",
    "place": "at the border gate",
    "sender_officers": "Officer A",
    "receiver_officers": "Officer B",
    "signed_by": ["sender", "receiver"],
}
MOVES = [
    # (url, status before, side that may, post data, status after)
    ("acknowledge", ReferralStatus.SENT, "receiver", {}, ReferralStatus.RECEIVED),
    ("accept", ReferralStatus.RECEIVED, "receiver", {}, ReferralStatus.ACCEPTED),
    ("decline", ReferralStatus.RECEIVED, "receiver", {"reason": "no capacity"}, ReferralStatus.DECLINED),
    ("handover", ReferralStatus.ACCEPTED, "receiver", HANDOVER_DATA, ReferralStatus.HANDED_OVER),
    ("complete", ReferralStatus.HANDED_OVER, "receiver", {}, ReferralStatus.COMPLETED),
    ("cancel", ReferralStatus.SENT, "sender", {"reason": "sent by mistake"}, ReferralStatus.CANCELLED),
]


@pytest.mark.parametrize(("move", "before", "side", "data", "after"), MOVES, ids=[move[0] for move in MOVES])
def test_each_move_works_for_the_right_side(net, move, before, side, data, after):
    referral = at_status(send(net), before)
    user = net.social_worker if side == "receiver" else net.owner
    if move == "handover":  # a real time after her reception (issue 14)
        data = {
            **data,
            "handed_over_at": (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        }
    response = sign_in(user).post(f"/referrals/{referral.public_id}/{move}/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.public_id}/"
    referral.refresh_from_db()
    assert referral.status == after
    assert referral.events.filter(new_status=after).count() == 1


@pytest.mark.parametrize(("move", "before", "side", "data", "after"), MOVES, ids=[move[0] for move in MOVES])
def test_each_move_is_404_for_the_wrong_side(net, move, before, side, data, after):
    referral = at_status(send(net), before)
    user = net.owner if side == "receiver" else net.social_worker
    response = sign_in(user).post(f"/referrals/{referral.public_id}/{move}/", data)
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == before
    assert denied_rows(user) == 1


def test_an_outsider_cannot_move_a_referral(net):
    referral = send(net)
    response = sign_in(net.outsider).post(f"/referrals/{referral.public_id}/acknowledge/")
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert denied_rows(net.outsider) == 1


def test_declining_without_a_reason_shows_a_message_and_changes_nothing(net):
    referral = at_status(send(net), ReferralStatus.RECEIVED)
    response = sign_in(net.social_worker).post(f"/referrals/{referral.public_id}/decline/", {"reason": "  "})
    assert response.status_code == 302
    assert texts(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, actor=net.social_worker).count() == 1


def test_an_illegal_move_shows_a_message(net):
    referral = send(net)
    response = sign_in(net.social_worker).post(f"/referrals/{referral.public_id}/complete/")
    assert response.status_code == 302
    assert texts(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_a_sending_supervisor_redirects_and_a_caseworker_may_not(net):
    other_social = make_agency("t-social-hn", "social_protection", "HN")
    referral = send(net)
    url = f"/referrals/{referral.public_id}/redirect/"
    data = {"to_agency": other_social.pk, "reason": "home province"}
    assert sign_in(net.owner).post(url, data).status_code == 404
    page = sign_in(net.supervisor).get(f"/referrals/{referral.public_id}/").content.decode()
    assert other_social.name in page
    response = sign_in(net.supervisor).post(url, data)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CANCELLED
    assert referral.redirected_to.to_agency == other_social


def test_the_receiving_supervisor_assigns_a_caseworker_and_a_caseworker_may_not(net):
    referral = send(net)
    url = f"/referrals/{referral.public_id}/assign/"
    assert sign_in(net.social_worker).post(url, {"user": net.social_worker.pk}).status_code == 404
    assert sign_in(net.supervisor).post(url, {"user": net.owner.pk}).status_code == 404  # the sender's side
    response = sign_in(net.social_supervisor).post(url, {"user": net.social_worker.pk})
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.public_id}/"
    referral.refresh_from_db()
    assert referral.assigned_to == net.social_worker
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, actor=net.social_supervisor).count() == 1


def test_assigning_someone_outside_the_receiving_agency_is_refused(net):
    referral = send(net)
    url = f"/referrals/{referral.public_id}/assign/"
    response = sign_in(net.social_supervisor).post(url, {"user": net.owner.pk})
    assert response.status_code == 302
    assert texts(response)
    referral.refresh_from_db()
    assert referral.assigned_to is None


# Sending from the case page ----------------------------------------------------------------


def test_the_case_page_lists_referrals_and_links_the_send_form(net):
    referral = send(net)
    client = sign_in(net.owner)
    html = client.get(f"/cases/{net.case.public_id}/").content.decode()
    assert 'id="referrals"' in html
    assert referral.reference in html
    assert f'href="/referrals/send/{net.case.public_id}/"' in html
    response = client.get(f"/referrals/send/{net.case.public_id}/")
    assert response.status_code == 200
    assert 'data-testid="send-referral-form"' in response.content.decode()
    assert net.social.name in response.content.decode()


def test_the_case_page_of_another_agency_shows_only_its_own_referrals(net):
    consent = Consent(
        given_by="person", classes=["core"], agency=net.peace_house, purpose="p", given_on=timezone.localdate()
    )
    casework_actions.do_record_consent(net.case, consent, actor=net.owner)
    to_social = actions.do_acknowledge_referral(send(net), actor=net.social_worker)
    to_shelter = actions.do_send_referral(
        net.case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=net.peace_house,
        from_agency=net.police,
        actor=net.owner,
    )
    html = sign_in(net.social_worker).get(f"/cases/{net.case.public_id}/").content.decode()
    assert to_social.reference in html
    assert to_shelter.reference not in html
    assert net.peace_house.name not in html
    # Accepting protection makes the social agency the lead (Law 53 art. 27(2)): the lead sees
    # every referral of the case.
    actions.do_accept_referral(to_social, actor=net.social_worker)
    html = sign_in(net.social_worker).get(f"/cases/{net.case.public_id}/").content.decode()
    assert to_shelter.reference in html


def test_sending_from_the_case_page_creates_the_referral(net):
    purpose = ReferralPurpose.objects.get(code="protection_support")
    response = sign_in(net.owner).post(
        f"/referrals/send/{net.case.public_id}/",
        {"purpose": purpose.pk, "to_agency": net.social.pk, "note": "urgent"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{net.case.public_id}/#referrals"
    referral = Referral.objects.get()
    assert (referral.purpose, referral.to_agency, referral.from_agency) == (purpose, net.social, net.police)
    assert referral.note == "urgent" and referral.sent_by == net.owner


def test_sending_needs_change_on_the_case(net):
    purpose = ReferralPurpose.objects.get(code="protection_support")
    data = {"purpose": purpose.pk, "to_agency": net.social.pk}
    assert sign_in(net.outsider).post(f"/referrals/send/{net.case.public_id}/", data).status_code == 404
    # The shelter sees the case and may not send for it: 403 (decision 62).
    assert sign_in(net.shelter).post(f"/referrals/send/{net.case.public_id}/", data).status_code == 403
    assert sign_in(net.shelter).get(f"/referrals/send/{net.case.public_id}/").status_code == 403
    assert not Referral.objects.exists()


def test_a_refused_send_shows_the_reason(net):
    purpose = ReferralPurpose.objects.get(code="shelter_placement")  # needs consent
    response = sign_in(net.owner).post(
        f"/referrals/send/{net.case.public_id}/",
        {"purpose": purpose.pk, "to_agency": net.peace_house.pk, "note": "needs a bed tonight"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Cơ quan t-peace" in html
    assert "needs a bed tonight" in html  # what was typed is kept
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"purpose": "abc", "to_agency": "x"}, {"purpose": "999999", "to_agency": "999999"}, {"purpose": "²"}],
)
def test_bad_input_on_send_gives_a_message_not_a_500(net, data):
    client = sign_in(net.owner)
    client.raise_request_exception = False
    response = client.post(f"/referrals/send/{net.case.public_id}/", data)
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not Referral.objects.exists()


def test_bad_ids_never_give_a_500(net):
    referral = send(net)
    client = sign_in(net.supervisor)
    client.raise_request_exception = False
    assert client.get(f"/referrals/{uuid.uuid4()}/").status_code == 404
    assert client.get("/referrals/not-a-uuid/").status_code == 404
    assert client.post(f"/referrals/send/{uuid.uuid4()}/", {}).status_code == 404
    response = client.post(f"/referrals/{referral.public_id}/redirect/", {"to_agency": "x", "reason": "r"})
    assert response.status_code == 302
    response = client.post(f"/referrals/{referral.public_id}/redirect/", {"to_agency": net.social.pk, "reason": "r"})
    assert response.status_code == 302  # the current receiver is not a choice
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert client.get(f"/referrals/{referral.public_id}/accept/").status_code == 405


def test_shelter_staff_of_the_receiving_agency_cannot_decide_on_a_referral(net):

    casework_actions.do_record_consent(
        net.case,
        Consent(
            given_by="person",
            classes=["core", "shelter"],
            agency=net.peace_house,
            purpose="p",
            given_on=timezone.localdate(),
        ),
        actor=net.owner,
    )
    referral = actions.do_send_referral(
        net.case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=net.peace_house,
        from_agency=net.police,
        actor=net.owner,
    )
    response = sign_in(net.peace_worker).post(f"/referrals/{referral.public_id}/acknowledge/")
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert sign_in(net.peace_caseworker).post(f"/referrals/{referral.public_id}/acknowledge/").status_code == 302


def test_each_referral_list_asks_the_identity_question_once_per_row(net):
    """`person_name` is NULL without identity and `shows_identity` reads it (decision 318):
    the identity EXISTS is written into each list's statement once, not twice."""
    from casework.access import CLASS_PERMISSIONS, holds_class, permission_id
    from casework.models import SensitivityClass
    from referrals.access import RECEIVED, SENT, archived_referrals, inbox_referrals, sent_referrals

    referral = send(net)
    worker, owner = acting(net.social_worker), acting(net.owner)
    identity = f'"permission_id" = {permission_id(CLASS_PERMISSIONS[SensitivityClass.IDENTITY])}'

    def once(user) -> int:
        """How often one identity EXISTS names the permission (twice for a caseworker: group and own rows)."""
        return str(Referral.objects.annotate(held=holds_class(user, SensitivityClass.IDENTITY, "case_id")).query).count(
            identity
        )

    for user, listed in (
        (worker, inbox_referrals(worker)),
        (owner, sent_referrals(owner)),
        (worker, archived_referrals(worker, RECEIVED)),
        (owner, archived_referrals(owner, SENT)),
    ):
        assert once(user) >= 1
        assert str(listed.query).count(identity) == once(user)
    (row,) = inbox_referrals(worker)
    assert row.person_name is None and row.shows_identity is False
    referral = actions.do_acknowledge_referral(referral, actor=net.social_worker)
    actions.do_accept_referral(referral, actor=net.social_worker)  # shares identity
    (row,) = inbox_referrals(acting(net.social_worker))
    assert row.person_name == "Nguyễn Thị Lan" and row.shows_identity is True
    (sent,) = sent_referrals(acting(net.owner))
    assert sent.shows_identity is True  # the sender registered her


def test_the_referral_lists_read_only_the_case_columns_they_show(net):
    """Inbox, sent and archive select six columns of the case, not its narrative and codes
    (decision 321), and reading a row's profile or the API's case id costs no query."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.models import Case
    from referrals.access import LIST_CASE_FIELDS, RECEIVED, archived_referrals, inbox_referrals, sent_referrals

    send(net)
    send_from_social(net)
    worker = acting(net.social_worker)
    wanted = {Case._meta.get_field(name).column for name in LIST_CASE_FIELDS}
    for listed in (inbox_referrals(worker), sent_referrals(worker), archived_referrals(worker, RECEIVED)):
        sql = str(listed.query)
        assert set(re.findall(r'"casework_case"\."(\w+)"', sql.split(" FROM ")[0])) <= wanted
    with CaptureQueriesContext(connection) as queries:
        rows = list(inbox_referrals(worker)) + list(sent_referrals(worker))
        seen = [(row.case.public_id, row.case.age_at_reception, row.case.is_child) for row in rows]
    assert len(seen) == 2 and len(queries) == 2
    assert 'data-testid="referral-profile"' in sign_in(net.social_worker).get(INBOX).content.decode()


def test_the_referral_lists_read_only_the_labels_of_what_they_join(net):
    """Purpose, agencies and assignee come with their label, code and name only: no legal
    basis, e-mail or password hash (decision 323), and the pages showing them read none of
    those rows again, one referral or several."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referrals.access import RECEIVED, SENT, archived_referrals, inbox_referrals, sent_referrals

    referral = send(net)
    supervisor = sign_in(net.social_supervisor)
    assigned = supervisor.post(f"/referrals/{referral.public_id}/assign/", {"user": net.social_worker.pk})
    assert assigned.status_code == 302
    worker = acting(net.social_worker)
    (row,) = inbox_referrals(worker)
    assert str(row.assigned_to) == net.social_worker.full_name
    assert {"password", "email", "last_login"} <= row.assigned_to.get_deferred_fields()
    assert {"legal_basis", "classes"} <= row.purpose.get_deferred_fields()
    assert {"email", "phone"} <= row.from_agency.get_deferred_fields()
    assert row.purpose.label and row.from_agency.code == net.police.code
    (sent,) = sent_referrals(acting(net.owner))
    assert "email" in sent.to_agency.get_deferred_fields() and sent.to_agency.label
    for side in (RECEIVED, SENT):
        for archived in archived_referrals(worker, side):
            assert "email" in archived.to_agency.get_deferred_fields()

    def inbox_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert supervisor.get(INBOX).status_code == 200
        return len(queries)

    one = inbox_queries()
    for number in range(3):
        extra = send(net, case=make_case(net.police, acting(net.owner), name=f"Người Thử {number}"))
        supervisor.post(f"/referrals/{extra.public_id}/assign/", {"user": net.social_worker.pk})
    assert inbox_queries() == one
