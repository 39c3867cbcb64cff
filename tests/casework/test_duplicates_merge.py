"""Two records of one person (issue 16): link them as the same person, merge one into the
other, reverse the merge — through the web client, as the agencies involved would."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.utils import timezone

from casework import actions
from casework.access import visible_cases
from casework.models import (
    AuditEvent,
    CameToNotice,
    Case,
    CaseEvent,
    CaseGrant,
    CaseMerge,
    Note,
    PersonLink,
    Role,
)
from casework.responsibility import do_transfer_lead
from dashboards.scope import Filters, Scope
from dashboards.stats import statistics_for
from exchange import exports
from exchange.models import ExportJob
from referrals import routing
from referrals.actions import ReferralError, do_acknowledge_referral, do_cancel_referral
from referrals.models import Referral, ReferralStatus
from tests.casework.test_new_case_wizard import person_step, run_wizard
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def pair(world):
    """A commune without access to the police's case registers the same woman again; the
    police, owner of the first record, is told (the `possible_duplicate` line)."""
    commune = make_agency("t-commune", "commune", "LCA")
    world.commune = commune
    world.commune_worker = make_user("commune.worker", commune, Role.CASEWORKER)
    world.commune_admin = make_user("commune.admin", commune, Role.AGENCY_ADMIN)
    world.police_admin = make_user("police.admin", world.police, Role.AGENCY_ADMIN)
    worker = acting(world.commune_worker)
    world.second = make_case(commune, worker, came_to_notice=CameToNotice.SELF_REPORT)
    actions.do_flag_possible_duplicates(world.second, [world.case], actor=worker)
    actions.do_add_note(world.second, body="ghi chú chung", sensitivity="core", actor=worker, agency=commune)
    actions.do_add_note(world.second, body="ghi chú nhân thân", sensitivity="identity", actor=worker, agency=commune)
    upload = SimpleUploadedFile("giay.png", PNG, content_type="image/png")
    actions.do_upload_document(
        world.second,
        upload=upload,
        kind="other",
        sensitivity="core",
        title="Biên bản",
        actor=worker,
        agency=commune,
        max_bytes=10_000_000,
    )
    return world


def url(case, tail=""):
    return f"/cases/{case.public_id}/{tail}"


def link(world):
    client = sign_in(world.owner)
    assert b'data-testid="same-person-link"' in client.get(url(world.case)).content
    page = client.get(url(world.case, "same-person/"))
    assert b'data-testid="same-person-form"' in page.content
    assert world.second.reference.encode() in page.content
    response = client.post(
        url(world.case, "same-person/"), {"other": str(world.second.public_id), "reason": "cùng số CCCD"}
    )
    assert response.status_code == 302
    return PersonLink.objects.get(unlinked_at__isnull=True)


def hand_over(world, case=None, worker=None):
    """The commune agrees to the merge by handing the lead of its record to the police (a
    merge joins records one agency leads, decision 194)."""
    case = case or world.second
    if case.owning_agency_id != world.police.pk:
        do_transfer_lead(
            case, world.police, reason="cùng một người, công an chủ trì", actor=acting(worker or world.commune_worker)
        )
        case.refresh_from_db()


def merge(world, person_link, user=None):
    hand_over(world)
    client = sign_in(user or world.owner)
    return client.post(url(world.case, f"same-person/{person_link.pk}/merge/"), {"reason": "cùng một người"})


def received(world) -> int:
    scope = Scope(level="national", agency=world.police)
    return statistics_for(scope, Filters(), suppress=False).figures()["received"]


def test_an_involved_agency_links_the_two_records_and_both_timelines_say_so(pair):
    person_link = link(pair)
    assert {person_link.case_a_id, person_link.case_b_id} == {pair.case.pk, pair.second.pk}
    for case in (pair.case, pair.second):
        assert case.events.filter(kind=CaseEvent.Kind.SAME_PERSON).count() == 1
        assert AuditEvent.objects.filter(case=case, action=AuditEvent.Action.CREATE, object_type="personlink").exists()
    # The commune's own page now shows the link, which the police chose to make.
    page = sign_in(pair.commune_worker).get(url(pair.second))
    assert pair.case.reference.encode() in page.content


def test_an_uninvolved_agency_gets_404_and_nothing_is_linked(pair):
    response = sign_in(pair.outsider).post(
        url(pair.case, "same-person/"), {"other": str(pair.second.public_id), "reason": "x"}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, case=pair.case).exists()
    assert not PersonLink.objects.exists()


def test_the_registering_commune_is_not_offered_the_police_record(pair):
    """The commune was not told of the police's case: no candidate, and naming it is refused."""
    client = sign_in(pair.commune_worker)
    page = client.get(url(pair.second, "same-person/"))
    assert b'data-testid="no-candidates"' in page.content
    assert pair.case.reference.encode() not in page.content
    response = client.post(
        url(pair.second, "same-person/"), {"other": str(pair.case.public_id), "reason": "lý do đã gõ"}
    )
    assert response.status_code == 400
    assert not PersonLink.objects.exists()
    assert pair.case.reference.encode() not in response.content
    assert "lý do đã gõ" in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.REFUSED, case=pair.second, detail__reason="invalid form"
    ).exists()


def test_a_shelter_seeing_the_case_may_not_link_it(pair):
    response = sign_in(pair.shelter).post(
        url(pair.case, "same-person/"), {"other": str(pair.second.public_id), "reason": "x"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.REFUSED, case=pair.case, detail__capability="link_same_person"
    ).exists()


def test_only_the_lead_of_the_surviving_case_merges(pair):
    person_link = link(pair)
    assert merge(pair, person_link, user=pair.shelter).status_code == 403
    # The commune cannot see the police's case: merging into it is a 404.
    assert merge(pair, person_link, user=pair.commune_worker).status_code == 404
    assert not CaseMerge.objects.exists()
    assert merge(pair, person_link).status_code == 302
    assert CaseMerge.objects.get().survivor == pair.case


def test_another_agencys_record_is_not_merged_away_without_its_lead(pair):
    """Neither lead takes the other's record: until the commune hands over its lead, a merge
    from either side is refused (the commune's own case, or the police's), and nothing moves."""
    person_link = link(pair)
    commune = sign_in(pair.commune_worker)
    response = commune.post(url(pair.second, f"same-person/{person_link.pk}/merge/"), {"reason": "gộp"})
    assert response.status_code == 302
    police = sign_in(pair.owner)
    response = police.post(url(pair.case, f"same-person/{person_link.pk}/merge/"), {"reason": "gộp"})
    assert response.status_code == 302
    assert not CaseMerge.objects.exists()
    assert not Case.objects.filter(merged_into__isnull=False).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, detail__action="merge_cases").count() == 2
    assert not CaseGrant.objects.filter(source=CaseGrant.Source.MERGE).exists()
    # The police still work on their case.
    assert police.post(url(pair.case, "notes/"), {"body": "tiếp tục", "sensitivity": "core"}).status_code == 302


def test_a_merge_keeps_the_history_and_both_timelines_and_the_audit_say_so(pair):
    person_link = link(pair)
    second = pair.second
    before = {
        "events": set(second.events.values_list("pk", flat=True)),
        "notes": second.notes.count(),
        "documents": second.documents.count(),
        "survivor_notes": pair.case.notes.count(),
    }
    assert merge(pair, person_link).status_code == 302
    second.refresh_from_db()
    assert second.merged_into == pair.case
    assert before["events"] <= set(second.events.values_list("pk", flat=True))
    assert second.notes.count() == before["notes"] == 2
    assert second.documents.count() == before["documents"] == 1
    assert pair.case.notes.count() == before["survivor_notes"]
    for case, role in ((pair.case, "survivor"), (second, "absorbed")):
        assert case.events.filter(kind=CaseEvent.Kind.MERGED).count() == 1
        assert AuditEvent.objects.filter(case=case, object_type="casemerge", detail__merge=role).count() == 1
    # Each lead reads the other's core data, through grants on the timeline and in the audit.
    merge_grants = CaseGrant.objects.filter(source=CaseGrant.Source.MERGE, revoked_at__isnull=True)
    assert {grant.case_id for grant in merge_grants} == {pair.case.pk, second.pk}
    assert all(grant.classes == ["core"] and not grant.can_change for grant in merge_grants)
    # The survivor's page shows the merged history as far as the police may read it (the lead
    # of both now), and reading it there is audited on the merged case.
    page = sign_in(pair.owner).get(url(pair.case)).content.decode()
    assert 'data-testid="merged-in"' in page
    assert "ghi chú chung" in page and "Biên bản" in page and "ghi chú nhân thân" in page
    row = AuditEvent.objects.get(case=second, action=AuditEvent.Action.VIEW, detail__page="merged-into")
    assert row.actor == pair.owner and row.detail["survivor"] == pair.case.reference
    # A shelter reading the survivor with `core` learns nothing of the other record.
    shelter_page = sign_in(pair.shelter).get(url(pair.case)).content.decode()
    assert second.reference not in shelter_page and "ghi chú chung" not in shelter_page
    assert 'data-testid="merged-in"' not in shelter_page


def test_a_merged_case_opens_as_merged_into_and_is_read_only(pair):
    merge(pair, link(pair))
    client = sign_in(pair.owner)
    page = client.get(url(pair.second))
    assert page.status_code == 200
    assert b'data-testid="merged-banner"' in page.content
    assert pair.case.reference.encode() in page.content
    assert b'data-testid="survivor-link"' in page.content
    assert b'data-testid="note-form"' not in page.content
    refused = client.post(url(pair.second, "notes/"), {"body": "thêm", "sensitivity": "core"})
    assert refused.status_code == 403
    assert Note.objects.filter(case=pair.second).count() == 2
    assert AuditEvent.objects.filter(case=pair.second, action="refused", detail__reason="merged").exists()
    # Its lead's supervisor still sees who can see it.
    assert sign_in(pair.supervisor).get(url(pair.second, "access/")).status_code == 200
    # The commune, its former lead, reads it read-only: merged, but not into which record.
    former = sign_in(pair.commune_worker).get(url(pair.second)).content
    assert b'data-testid="merged-banner"' in former and pair.case.reference.encode() not in former
    assert sign_in(pair.outsider).get(url(pair.second)).status_code == 404


def test_statistics_and_the_htcds_export_count_the_person_once(pair):
    assert received(pair) == 2
    merge(pair, link(pair))
    assert received(pair) == 1
    assert Scope(level="national", agency=pair.police).cases().count() == 1
    # The police now read the merged case's core data; the export still has one row for her.
    assert Case.objects.filter(pk=pair.second.pk).filter(pk__in=visible_cases(acting(pair.supervisor))).exists()
    job = ExportJob(kind=ExportJob.Kind.HTCDS, params={}, language="vi")
    _header, rows, total = exports.htcds_rows(job, acting(pair.supervisor))
    exported = list(rows)
    assert total == len(exported) == 1
    assert pair.second.reference not in str(exported)


def test_an_agency_administrator_reverses_the_merge_and_both_cases_are_as_before(pair):
    person_link = link(pair)
    cases = (pair.case, pair.second)

    def snapshot():
        rows = []
        for case in cases:
            case.refresh_from_db()
            fields = model_to_dict(case, exclude=["exploitation_forms", "means_of_control", "recruitment_methods"])
            grants = sorted(
                (grant.group_id or 0, grant.user_id or 0, tuple(grant.classes), grant.source, grant.can_change)
                for grant in case.grants.filter(revoked_at__isnull=True)
            )
            rows.append((fields, grants, case.notes.count(), case.documents.count(), case.consents.count()))
        return rows

    hand_over(pair)
    before = snapshot()
    assert merge(pair, person_link).status_code == 302
    the_merge = CaseMerge.objects.get()
    assert snapshot() != before
    # A caseworker of the lead may not reverse; the police's agency administrator may.
    refused = sign_in(pair.owner).post(url(pair.case, f"merges/{the_merge.pk}/reverse/"), {"reason": "nhầm"})
    assert refused.status_code == 403
    response = sign_in(pair.police_admin).post(url(pair.case, f"merges/{the_merge.pk}/reverse/"), {"reason": "nhầm"})
    assert response.status_code == 302
    assert snapshot() == before
    the_merge.refresh_from_db()
    assert the_merge.reversed_at is not None
    for case in cases:
        assert case.events.filter(kind=CaseEvent.Kind.MERGE_REVERSED).count() == 1
        assert AuditEvent.objects.filter(case=case, object_type="casemerge", detail__reversed=True).exists()
    assert received(pair) == 2
    # The link stays until someone removes it; the second case takes notes again.
    assert PersonLink.objects.get().is_active
    note = sign_in(pair.owner).post(url(pair.second, "notes/"), {"body": "tiếp", "sensitivity": "core"})
    assert note.status_code == 302 and pair.second.notes.count() == 3


def test_the_merge_is_reversed_from_the_merged_cases_page_too(pair):
    merge(pair, link(pair))
    the_merge = CaseMerge.objects.get()
    # The commune's administrator no longer leads either case.
    assert (
        sign_in(pair.commune_admin)
        .post(url(pair.second, f"merges/{the_merge.pk}/reverse/"), {"reason": "x"})
        .status_code
        == 403
    )
    page = sign_in(pair.police_admin).get(url(pair.second))
    assert b'data-testid="reverse-merge-form"' in page.content
    response = sign_in(pair.police_admin).post(url(pair.second, f"merges/{the_merge.pk}/reverse/"), {"reason": "x"})
    assert response.status_code == 302
    assert Case.objects.get(pk=pair.second.pk).merged_into is None


def test_unlinking_is_refused_while_merged_then_removes_the_link_on_both_timelines(pair):
    person_link = link(pair)
    merge(pair, person_link)
    client = sign_in(pair.owner)
    client.post(url(pair.case, f"same-person/{person_link.pk}/unlink/"), {"reason": "khác người"})
    assert PersonLink.objects.get().is_active
    sign_in(pair.police_admin).post(
        url(pair.case, f"merges/{CaseMerge.objects.get().pk}/reverse/"), {"reason": "khác người"}
    )
    response = client.post(url(pair.case, f"same-person/{person_link.pk}/unlink/"), {"reason": "khác người"})
    assert response.status_code == 302
    assert not PersonLink.objects.get().is_active
    for case in (pair.case, pair.second):
        assert case.events.filter(kind=CaseEvent.Kind.SAME_PERSON_UNLINKED).count() == 1
        assert AuditEvent.objects.filter(case=case, object_type="personlink", detail__unlinked=True).exists()


def test_a_link_made_twice_is_refused(pair):
    person_link = link(pair)
    with pytest.raises(actions.CaseworkError):
        from casework.same_person import do_link_same_person

        do_link_same_person(pair.case, pair.second, reason="again", actor=acting(pair.owner), agency=pair.police)
    assert PersonLink.objects.filter(unlinked_at__isnull=True).get() == person_link


def test_the_referrals_of_a_merged_case_only_wind_down(pair):
    """The commune's self-report went to the provincial social agency at once; once the
    commune's case is merged into the police's, the referral may be cancelled, not taken up."""
    social = make_agency("t-social", "social_protection", "LCA")
    social_worker = make_user("social.worker", social, Role.CASEWORKER)
    routing.route_case(pair.second.pk)
    referral = Referral.objects.get(case=pair.second, to_agency=social)
    merge(pair, link(pair))
    with pytest.raises(ReferralError):
        do_acknowledge_referral(referral, actor=acting(social_worker))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    do_cancel_referral(referral, reason="hồ sơ đã gộp", actor=acting(pair.commune_worker))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CANCELLED


def test_the_whole_story_from_the_wizard_to_the_merged_badge(world):
    """The commune registers the woman again through the wizard, is shown nothing of the
    police's record; the police are told, link and merge; the commune's list says "merged"."""
    commune = make_agency("t-commune", "commune", "LCA")
    worker = make_user("commune.worker", commune, Role.CASEWORKER)
    client = sign_in(worker)
    review = run_wizard(client, person=person_step(full_name="Nguyễn Thị Lan", birth_year="1999"))
    assert world.case.reference.encode() not in review.content
    client.post("/cases/new/review/", {"create": "1"})
    second = Case.objects.get(owning_agency=commune)
    assert world.case.events.filter(kind=CaseEvent.Kind.POSSIBLE_DUPLICATE).count() == 1
    owner = sign_in(world.owner)
    candidates = owner.get(url(world.case, "same-person/"))
    assert second.reference.encode() in candidates.content
    owner.post(url(world.case, "same-person/"), {"other": str(second.public_id), "reason": "cùng họ tên, năm sinh"})
    person_link = PersonLink.objects.get()
    # The commune agrees: it hands the lead of its record to the police, who merge it.
    do_transfer_lead(second, world.police, reason="công an chủ trì", actor=acting(worker))
    owner.post(url(world.case, f"same-person/{person_link.pk}/merge/"), {"reason": "cùng một người"})
    assert Case.objects.get(pk=second.pk).merged_into == world.case
    listing = client.get("/")
    assert b'data-testid="case-merged"' in listing.content


def test_a_merged_case_is_not_flagged_overdue_until_the_merge_is_reversed(pair):
    merge(pair, link(pair))
    past = timezone.now() - datetime.timedelta(hours=1)
    Case.objects.filter(pk=pair.second.pk).update(due_at=past)
    assert actions.do_flag_overdue_cases() == 0
    sign_in(pair.police_admin).post(url(pair.case, f"merges/{CaseMerge.objects.get().pk}/reverse/"), {"reason": "x"})
    assert actions.do_flag_overdue_cases() == 1
    assert Case.objects.get(pk=pair.second.pk).overdue_flagged_at is not None
