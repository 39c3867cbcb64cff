"""Recording the handover minutes (biên bản bàn giao), the form page and the PDF."""

import datetime
import urllib.request

import pytest
from django.utils import timezone, translation

from casework import actions as casework_actions
from casework.models import AuditEvent, Consent
from referrals import actions
from referrals.actions import ReferralError
from referrals.models import HandoverMinutes, Referral, ReferralEvent, ReferralPurpose, ReferralStatus
from referrals.views import minutes as minutes_views
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.referrals import make_minutes

NAME = "Nguyễn Thị Lan"
NATIONAL_HEADER = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def accepted(net) -> Referral:
    referral = actions.do_send_referral(
        net.case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=net.social,
        from_agency=net.police,
        actor=net.owner,
    )
    referral = actions.do_acknowledge_referral(referral, actor=net.social_worker)
    return actions.do_accept_referral(referral, actor=net.social_worker)


def handed_over(net) -> Referral:
    return actions.do_record_handover(accepted(net), minutes=make_minutes(), actor=net.social_worker)


def refusals(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, actor=user))


def form_data(**fields) -> dict:
    data = {
        "handed_over_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "Cửa khẩu Kim Thành",
        "sender_officers": "Thiếu tá Phạm Văn Đức",
        "receiver_officers": "Chị Hoàng Thị Thu",
        "documents": "Giấy thông hành",
        "belongings": "Một túi xách",
        "person_wishes": "Về nhà",
        "signed_by": ["sender", "receiver", "person"],
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


# The action ----------------------------------------------------------------------------------


def test_recording_the_handover_saves_the_minutes_with_the_move(net):
    referral = actions.do_record_handover(accepted(net), minutes=make_minutes(), actor=net.social_worker)
    assert referral.status == ReferralStatus.HANDED_OVER
    minutes = HandoverMinutes.objects.get(referral=referral)
    assert minutes.recorded_by == net.social_worker
    assert minutes.place == "Cửa khẩu quốc tế Lào Cai"
    event = ReferralEvent.objects.get(referral=referral, new_status=ReferralStatus.HANDED_OVER)
    assert (event.old_status, event.reason, event.actor) == (ReferralStatus.ACCEPTED, minutes.place, net.social_worker)
    audited = AuditEvent.objects.filter(actor=net.social_worker, object_id=str(referral.public_id))
    assert audited.filter(action=AuditEvent.Action.TRANSITION, detail__to=ReferralStatus.HANDED_OVER).count() == 1
    assert audited.get(action=AuditEvent.Action.CREATE).detail["handover_minutes"] == minutes.pk


REFUSED_MINUTES = {
    "in the future": lambda: {"handed_over_at": timezone.now() + datetime.timedelta(hours=1)},
    # A handover may precede its data entry and the recorded acceptance (issue 14), never the
    # person's reception.
    "before the reception": lambda: {"handed_over_at": timezone.now() - datetime.timedelta(days=3650)},
    "without a place": lambda: {"place": "  "},
    "without the sender's officers": lambda: {"sender_officers": ""},
    "without the receiver's officers": lambda: {"receiver_officers": " "},
    "without signatures": lambda: {"signed_by": []},
    "with an unknown signatory": lambda: {"signed_by": ["sender", "mayor"]},
}


@pytest.mark.parametrize("fields", REFUSED_MINUTES.values(), ids=REFUSED_MINUTES.keys())
def test_incomplete_or_impossible_minutes_are_refused_and_change_nothing(net, fields):
    referral = accepted(net)
    with pytest.raises(ReferralError):
        actions.do_record_handover(referral, minutes=make_minutes(**fields()), actor=net.social_worker)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert not HandoverMinutes.objects.exists()
    assert not referral.events.filter(new_status=ReferralStatus.HANDED_OVER).exists()
    [refusal] = refusals(net.social_worker)
    assert refusal.detail["action"] == "do_record_handover"


def test_a_referral_not_yet_accepted_cannot_be_handed_over(net):
    referral = accepted(net)
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.RECEIVED)
    with pytest.raises(ReferralError):
        actions.do_record_handover(referral, minutes=make_minutes(), actor=net.social_worker)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    assert not HandoverMinutes.objects.exists()
    assert len(refusals(net.social_worker)) == 1


def test_minutes_are_recorded_once(net):
    referral = handed_over(net)
    with translation.override("en"), pytest.raises(ReferralError, match="already recorded"):
        actions.do_record_handover(referral, minutes=make_minutes(place="elsewhere"), actor=net.social_worker)
    assert HandoverMinutes.objects.get().place == "Cửa khẩu quốc tế Lào Cai"
    assert referral.events.filter(new_status=ReferralStatus.HANDED_OVER).count() == 1
    assert len(refusals(net.social_worker)) == 1


def test_minutes_typed_in_the_minute_of_acceptance_are_not_before_it(net):
    referral = accepted(net)
    typed = timezone.localtime().replace(second=0, microsecond=0)
    actions.do_record_handover(referral, minutes=make_minutes(handed_over_at=typed), actor=net.social_worker)
    assert HandoverMinutes.objects.get().handed_over_at == typed


# The form page -------------------------------------------------------------------------------


def test_the_referral_page_links_the_form_and_the_form_records_the_handover(net):
    referral = accepted(net)
    client = sign_in(net.social_worker)
    url = f"/referrals/{referral.public_id}/handover/"
    assert f'href="{url}"' in client.get(f"/referrals/{referral.public_id}/").content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="handover-form"' in page.content.decode()
    assert page.context["form"]["handed_over_at"].value() is not None  # now, in Vietnam's time
    response = client.post(url, form_data())
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.public_id}/"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.HANDED_OVER
    minutes = referral.minutes
    assert minutes.signed_by == ["sender", "receiver", "person"]
    assert minutes.sender_officers == "Thiếu tá Phạm Văn Đức"


def test_a_bad_form_is_shown_again_with_what_was_typed_and_why(net):
    referral = accepted(net)
    url = f"/referrals/{referral.public_id}/handover/"
    response = sign_in(net.social_worker).post(url, form_data(receiver_officers="", signed_by=None))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="handover-errors"' in html
    assert "Cửa khẩu Kim Thành" in html and "Thiếu tá Phạm Văn Đức" in html and "Một túi xách" in html
    assert set(response.context["form"].errors) == {"receiver_officers", "signed_by"}
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert not HandoverMinutes.objects.exists()


@pytest.mark.parametrize("value", ["not a time", "2999-01-01T10:00"])
def test_a_bad_or_future_time_is_a_400_not_a_500(net, value):
    referral = accepted(net)
    url = f"/referrals/{referral.public_id}/handover/"
    response = sign_in(net.social_worker).post(url, form_data(handed_over_at=value))
    assert response.status_code == 400
    assert "handed_over_at" in response.context["form"].errors
    assert "Cửa khẩu Kim Thành" in response.content.decode()


def test_a_refusal_of_the_action_is_shown_on_the_form_with_what_was_typed(net):
    referral = accepted(net)
    url = f"/referrals/{referral.public_id}/handover/"
    before = timezone.localtime() - datetime.timedelta(days=3650)  # before she was received
    response = sign_in(net.social_worker).post(url, form_data(handed_over_at=before.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert "Cửa khẩu Kim Thành" in response.content.decode()
    assert len(refusals(net.social_worker)) == 1


@pytest.mark.parametrize("persona", ["owner", "outsider"])
def test_only_the_receiving_side_may_open_the_form(net, persona):
    referral = accepted(net)
    user = getattr(net, persona)
    client = sign_in(user)
    url = f"/referrals/{referral.public_id}/handover/"
    assert client.get(url).status_code == 404
    assert client.post(url, form_data()).status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=user).count() == 2


# The PDF -------------------------------------------------------------------------------------


def test_the_minutes_html_has_the_official_layout_in_vietnamese_whatever_the_reader_language(net):
    referral = handed_over(net)
    with translation.override("en"):
        html = minutes_views.minutes_html(referral, referral.minutes, identity=True)
    # Labels from the database and choices come out in Vietnamese though the reader reads English.
    assert ": nữ" in html and net.police.name_en not in html
    assert '<html lang="vi">' in html
    assert NATIONAL_HEADER in html and MOTTO in html
    pages = minutes_views.minutes_document(html).pages
    assert (round(pages[0].width * 25.4 / 96), round(pages[0].height * 25.4 / 96)) == (210, 297)  # A4, in mm
    assert referral.reference in html and net.police.name in html and net.social.name in html
    assert "Đại úy Trần Văn Hùng" in html and "Bà Lê Thị Mai" in html
    assert "Giấy thông hành số 123" in html and "Muốn về với gia đình ở Sa Pa" in html
    assert NAME in html and "1999" in html and "Lào Cai" in html
    assert "http" not in html.replace("http-equiv", "")  # nothing to fetch


def test_without_identity_the_minutes_show_the_case_number_only(net):
    referral = handed_over(net)
    html = minutes_views.minutes_html(referral, referral.minutes, identity=False)
    assert NAME not in html
    assert "1999" not in html
    assert referral.case.reference in html


def test_the_pdf_renderer_fetches_nothing(monkeypatch):
    opened = []
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda self, *args, **kwargs: opened.append(args))
    html = '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><img src="file:///etc/hostname"><p>x</p>'
    assert minutes_views.minutes_pdf_bytes(html).startswith(b"%PDF")
    assert opened == []


def test_both_sides_download_the_pdf_and_each_download_is_audited(net):
    referral = handed_over(net)
    url = f"/referrals/{referral.public_id}/minutes.pdf"
    for user in (net.owner, net.social_worker):
        response = sign_in(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        ascii_reference = referral.reference.replace("/", "-")
        assert response["Content-Disposition"] == f'attachment; filename="bien-ban-{ascii_reference}.pdf"'
        assert response["Cache-Control"] == "no-store"
        assert response.content.startswith(b"%PDF") and len(response.content) > 10_000
        download = AuditEvent.objects.get(action=AuditEvent.Action.DOWNLOAD, actor=user)
        assert download.case == referral.case
        assert download.detail == {"referral": referral.reference, "document": "handover_minutes"}


def test_the_pdf_names_the_person_only_for_a_reader_holding_identity(net, monkeypatch):
    consent = Consent(
        given_by="person",
        classes=["core", "shelter"],
        agency=net.peace_house,
        purpose="p",
        given_on=timezone.localdate(),
    )
    casework_actions.do_record_consent(net.case, consent, actor=net.owner)
    referral = actions.do_send_referral(
        net.case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=net.peace_house,
        from_agency=net.police,
        actor=net.owner,
    )
    referral = actions.do_accept_referral(
        actions.do_acknowledge_referral(referral, actor=net.peace_caseworker), actor=net.peace_caseworker
    )
    actions.do_record_handover(referral, minutes=make_minutes(), actor=net.peace_caseworker)
    rendered = []
    real = minutes_views.minutes_pdf_bytes
    monkeypatch.setattr(minutes_views, "minutes_pdf_bytes", lambda html: rendered.append(html) or real(html))
    url = f"/referrals/{referral.public_id}/minutes.pdf"

    assert not minutes_views.shows_identity(acting(net.peace_caseworker), referral)
    assert sign_in(net.peace_caseworker).get(url).status_code == 200
    assert NAME not in rendered[-1] and referral.case.reference in rendered[-1]
    download = AuditEvent.objects.get(action=AuditEvent.Action.DOWNLOAD, actor=net.peace_caseworker)
    assert download.classes == ["core"]

    assert sign_in(net.owner).get(url).status_code == 200
    assert NAME in rendered[-1]
    assert AuditEvent.objects.get(action=AuditEvent.Action.DOWNLOAD, actor=net.owner).classes == ["core", "identity"]


def test_an_outsider_gets_404_and_a_denied_row(net):
    referral = handed_over(net)
    response = sign_in(net.outsider).get(f"/referrals/{referral.public_id}/minutes.pdf")
    assert response.status_code == 404
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED, actor=net.outsider)
    assert denied.detail["referral"] == str(referral.public_id)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD).exists()


def test_there_is_no_pdf_before_the_handover(net):
    referral = accepted(net)
    assert sign_in(net.owner).get(f"/referrals/{referral.public_id}/minutes.pdf").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD).exists()


def test_the_referral_page_shows_the_minutes_and_the_download_link_to_both_sides(net):
    referral = handed_over(net)
    for user in (net.owner, net.social_worker):
        html = sign_in(user).get(f"/referrals/{referral.public_id}/").content.decode()
        assert 'data-testid="handover-minutes"' in html
        assert "Cửa khẩu quốc tế Lào Cai" in html and "Bà Lê Thị Mai" in html
        assert f'href="/referrals/{referral.public_id}/minutes.pdf"' in html


# Issue 17: free text that can carry identity is blanked without `identity` ----------------------

PLANTED_ID = "001203004567"


def test_an_agency_admin_without_identity_gets_no_identity_from_the_minutes_free_text(net, monkeypatch):
    """The handover-minutes PDF printed an ID number and the woman's wishes from free text to an
    agency admin without `identity`; every field of MINUTES_FIELD_CLASSES needing `identity` is
    now replaced by "[ẩn]", while the handover facts stay."""
    from casework.models import Role
    from tests.fixtures.personas import make_user

    minutes = make_minutes(
        documents=f"CCCD số {PLANTED_ID}, hộ chiếu C1234567",
        belongings=f"Thẻ căn cước {PLANTED_ID}",
        person_wishes="Muốn về với mẹ ở thôn Lao Chải, Sa Pa",
    )
    referral = actions.do_record_handover(accepted(net), minutes=minutes, actor=net.social_worker)
    admin = make_user("social.admin", net.social, Role.AGENCY_ADMIN)
    rendered = []
    real_pdf = minutes_views.minutes_pdf_bytes
    monkeypatch.setattr(minutes_views, "minutes_pdf_bytes", lambda html: rendered.append(html) or real_pdf(html))

    url = f"/referrals/{referral.public_id}/minutes.pdf"
    response = sign_in(admin).get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    html = rendered[-1]
    for secret in (PLANTED_ID, "C1234567", "Lao Chải", "Muốn về", NAME, "ba lô"):
        assert secret not in html
    for field in ("documents", "belongings", "person_wishes"):
        assert f'data-field="{field}">[ẩn]</p>' in html
    assert "Cửa khẩu quốc tế Lào Cai" in html and "Đại úy Trần Văn Hùng" in html  # the handover facts
    assert referral.case.reference in html
    download = AuditEvent.objects.filter(actor=admin, action=AuditEvent.Action.DOWNLOAD).get()
    assert download.classes == ["core"]

    # A caseworker holding `identity` on the case still gets the full minutes.
    assert sign_in(net.social_worker).get(url).status_code == 200
    assert PLANTED_ID in rendered[-1] and "Lao Chải" in rendered[-1]


def test_empty_free_text_is_not_marked_hidden(net):
    minutes = make_minutes(documents="", belongings="", person_wishes="")
    referral = actions.do_record_handover(accepted(net), minutes=minutes, actor=net.social_worker)
    html = minutes_views.minutes_html(referral, referral.minutes, identity=False)
    assert "[ẩn]" not in html
    assert html.count("Không có.") == 2 and "Không nêu nguyện vọng." in html  # nothing typed, said so


def test_every_free_text_field_of_the_minutes_has_a_class():
    """A new text field on the minutes must be classed before it can be printed."""
    from django.db import models

    text_fields = {
        field.name
        for field in HandoverMinutes._meta.get_fields()
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices
    }
    assert text_fields == set(minutes_views.MINUTES_FIELD_CLASSES)
