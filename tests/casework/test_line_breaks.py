"""Browsers send a text area's line breaks as CR LF and count each as one character against its
maxlength; the server counted two, so a note that fitted the field was refused as too long (a
tester: 9,990 characters with 525 line breaks → "at most 10000 (it has 10515)"). Every form now
reads CR LF as LF, so what the field accepts is accepted and stored with LF."""

from casework.forms import NoteForm, TransitionForm
from casework.models import CaseEvent, Note
from tests.fixtures.personas import sign_in

NOTE_LIMIT = NoteForm.base_fields["body"].max_length
REASON_LIMIT = TransitionForm.base_fields["reason"].max_length


def _lines(total: int, breaks: int) -> tuple[str, str]:
    """A text of `total` characters as the browser counts it (LF), and as it sends it (CR LF)."""
    line = "x" * ((total - breaks) // breaks)
    text = "\n".join([line] * breaks)
    text += "y" * (total - len(text))
    return text, text.replace("\n", "\r\n")


def test_a_note_that_fits_its_field_is_saved_with_its_line_breaks(world):
    counted, sent = _lines(NOTE_LIMIT - 10, 525)
    assert len(counted) == NOTE_LIMIT - 10 and len(sent) > NOTE_LIMIT
    response = sign_in(world.owner).post(f"/cases/{world.case.public_id}/notes/", {"body": sent, "sensitivity": "core"})
    assert response.status_code == 302
    note = Note.objects.get(case=world.case)
    assert note.body == counted and "\r" not in note.body


def test_a_transition_reason_that_fits_is_accepted(world):
    counted, sent = _lines(REASON_LIMIT - 10, 140)
    response = sign_in(world.owner).post(
        f"/cases/{world.case.public_id}/transition/", {"status": "verifying", "reason": sent}
    )
    assert response.status_code == 302
    world.case.refresh_from_db()
    assert world.case.status == "verifying"
    assert world.case.events.filter(kind=CaseEvent.Kind.TRANSITION, reason=counted).exists()


def test_a_note_longer_than_its_field_is_still_refused(world):
    counted, sent = _lines(NOTE_LIMIT + 1, 10)
    response = sign_in(world.owner).post(f"/cases/{world.case.public_id}/notes/", {"body": sent, "sensitivity": "core"})
    assert response.status_code == 302
    assert not Note.objects.filter(case=world.case).exists()


def test_a_summary_stored_with_cr_lf_is_not_taken_for_a_correction_when_sent_again(world):
    """Text saved before the forms cleaned CR LF may hold it; the browser sends it back as CR LF
    and the form cleans it to LF: the correction page must not see a change."""
    from casework import actions
    from casework.corrections import INCIDENT_FIELDS, fingerprints, stored_value
    from tests.fixtures.personas import acting

    incident = actions.do_link_incident(
        world.case, None, actor=acting(world.owner), agency=world.police, criminal_case_number="", summary="x"
    )
    type(incident).objects.filter(pk=incident.pk).update(summary="Dòng một\r\nDòng hai")
    incident.refresh_from_db()
    form = {name: stored_value(incident, name) for name in INCIDENT_FIELDS}
    form["summary"] = "Dòng một\r\nDòng hai"  # as the browser sends the text area back
    form["base"] = fingerprints(incident, INCIDENT_FIELDS)
    updates = world.case.events.filter(kind=CaseEvent.Kind.UPDATED).count()
    response = sign_in(world.owner).post(f"/cases/{world.case.public_id}/incident/edit/", form)
    assert response.status_code == 302
    assert world.case.events.filter(kind=CaseEvent.Kind.UPDATED).count() == updates
