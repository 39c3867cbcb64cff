"""Corrections after registration: the facts of a case, the person's details, an incident and
its offenders, and which incident a case belongs to (issue 16); and the facts another system
states about a case it sends again (an HTCDS re-import, decision 147).

Every correction is an action like the others in `casework.actions`: one transaction, the row
locked, a timeline line listing `field: old → new` and an `update` audit row naming the fields
(never the values). A line about the person is `identity` class; the owning agency's other
holders get a separate `core` line saying only that identity details were corrected.

Optimistic concurrency: a form carries a fingerprint of each value it showed (`fingerprints`).
When any of them no longer matches what is stored, someone changed it meanwhile and the
correction is refused with those fields (`StaleEdit`), so nobody silently overwrites another
person's correction. Fingerprints rather than one version number: every path that writes a
case (status moves, a return, an HTCDS re-import) would otherwise need to bump the number,
and the user is told exactly which fields moved.
"""

import datetime
import json
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from casework import audit
from casework.actions import CaseworkError, age_facts, record_event
from casework.lib.text import with_lf
from casework.models import AuditEvent, Case, CaseEvent, Incident, Offender, Person, SensitivityClass, User
from casework.signals import case_changed

# What a caseworker of the lead may correct on the case (core class) and on the person
# (identity class). Derived facts (age at reception, under 18) follow; status, identification
# and the lead have their own actions.
CASE_FIELDS = (
    "came_to_notice",
    "received_at",
    "reception_province",
    "reception_place",
    "reception_commune",
    "return_mode",
    "destination_country",
    "route",
    "absent_from",
    "absent_until",
    "exploitation_forms",
    "recruitment_methods",
    "means_of_control",
)
PERSON_FIELDS = (
    "full_name",
    "other_names",
    "sex",
    "birth_date",
    "birth_year",
    "ethnicity",
    "nationality",
    "stateless_resident",
    "document_type",
    "document_number",
    "home_province",
    "home_former_province",
    "home_address",
    "home_commune",
    "phone",
    "languages",
    "disability",
    "poor_household",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
)
INCIDENT_FIELDS = ("criminal_case_number", "stage", "summary")
OFFENDER_FIELDS = ("full_name", "sex", "birth_year", "nationality", "role_in_process", "relation_to_victim", "notes")
FINGERPRINT_SALT = "casework.corrections.fingerprint"


class StaleEdit(CaseworkError):
    """The form was based on values that changed meanwhile; `fields` names them."""

    def __init__(self, fields: list[str], labels: list[str]):
        self.fields = fields
        super().__init__(
            _("Someone else changed this meanwhile: %(fields)s. Check the current values and save again.")
            % {"fields": ", ".join(labels)}
        )


# Values -------------------------------------------------------------------------------------


def _is_many(instance: models.Model, name: str) -> bool:
    return instance._meta.get_field(name).many_to_many


def _normal(value):
    """Times are entered to the minute: a stored second is not a difference. Text is read
    with LF line breaks (the forms' cleaning, decision 332): a CR LF stored earlier is not."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(second=0, microsecond=0)
    return with_lf(value)


def stored_value(instance: models.Model, name: str):
    """A comparable value: a foreign key's id, the sorted ids of a many-to-many field."""
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return tuple(sorted(getattr(instance, name).values_list("pk", flat=True)))
    if field.is_relation:
        return getattr(instance, field.attname)
    return _normal(getattr(instance, name))


def _comparable(instance: models.Model, name: str, value):
    """A submitted value in the form `stored_value` gives."""
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return tuple(sorted(item.pk for item in value or ()))
    if field.is_relation:
        return value.pk if value is not None else None
    if value is None and not field.null:
        return ""  # an empty optional text or choice field
    return _normal(value)


def _digest(instance: models.Model, name: str, value) -> str:
    if isinstance(value, str):
        value = str(value)  # a choices member in memory digests like the string read back
    text = f"{instance._meta.label}:{instance.pk}:{name}:{value!r}"
    return salted_hmac(FINGERPRINT_SALT, text).hexdigest()[:16]


def stored_values(instance: models.Model, fields: Iterable[str]) -> dict:
    return {name: stored_value(instance, name) for name in fields}


def fingerprints(instance: models.Model, fields: Iterable[str], values: dict | None = None) -> str:
    """What a form carries (hidden) about the values it shows: one keyed digest per field,
    so the page reveals nothing more and a stale field can be named. `values`: the
    `stored_values` already read."""
    values = values if values is not None else stored_values(instance, fields)
    return json.dumps({name: _digest(instance, name, values[name]) for name in fields})


def parse_fingerprints(text: str) -> dict[str, str] | None:
    try:
        seen = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(seen, dict) or not all(isinstance(v, str) for v in seen.values()):
        return None
    return seen


def _stale(instance: models.Model, fields: Iterable[str], seen: dict[str, str]) -> list[str]:
    return [name for name in fields if seen.get(name) != _digest(instance, name, stored_value(instance, name))]


def _label(instance: models.Model, name: str) -> str:
    return capfirst(str(instance._meta.get_field(name).verbose_name))


def shown(instance: models.Model, name: str, value) -> str:
    """A value as the timeline writes it (in the active language)."""
    field = instance._meta.get_field(name)
    if field.many_to_many:
        items = list(value)
        return ", ".join(str(item) for item in items) if items else "—"
    if value is None and isinstance(field, models.BooleanField):
        return str(_("unknown"))
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "d/m/Y H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "d/m/Y")
    return str(value)


def _current(instance: models.Model, name: str):
    if _is_many(instance, name):
        return list(getattr(instance, name).all())
    return getattr(instance, name)


def _apply(instance: models.Model, changes: dict, fields: Iterable[str]) -> tuple[list[str], list[str], dict]:
    """Set the changed plain fields on the instance. Returns the changed names, the timeline's
    `label: old → new` parts (in the system language) and the many-to-many values to set."""
    changed, parts, many = [], [], {}
    with translation.override(settings.LANGUAGE_CODE):
        for name in fields:
            if name not in changes:
                continue
            new = changes[name]
            if stored_value(instance, name) == _comparable(instance, name, new):
                continue
            old = _current(instance, name)
            if _is_many(instance, name):
                many[name] = list(new)
            else:
                field = instance._meta.get_field(name)
                setattr(instance, name, new if new is not None or field.null else "")
            changed.append(name)
            parts.append(f"{_label(instance, name)}: {shown(instance, name, old)} → {shown(instance, name, new)}")
    return changed, parts, many


def _refuse_stale(instance: models.Model, fields: Iterable[str], seen: dict[str, str]) -> None:
    stale = _stale(instance, fields, seen)
    if stale:
        raise StaleEdit(stale, [_label(instance, name) for name in stale])


# Derived facts ------------------------------------------------------------------------------


def _rederive(case: Case, person: Person) -> list[str]:
    """Recompute the age at reception and the child flag; the changed names."""
    age, is_child = age_facts(person, case.received_at)
    changed = []
    if case.age_at_reception != age:
        case.age_at_reception = age
        changed.append("age_at_reception")
    if case.is_child != is_child:
        case.is_child = is_child
        changed.append("is_child")
    return changed


def _child_line(case: Case, was_child: bool) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        old, new = shown(case, "is_child", was_child), shown(case, "is_child", case.is_child)
        return f"{_label(case, 'is_child')}: {old} → {new}"


# Case and person ----------------------------------------------------------------------------


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update(no_key=True, of=("self",)).select_related("person").get(pk=case.pk)


def do_edit_case(case: Case, changes: dict, *, seen: dict[str, str], actor: User) -> list[str]:
    """Correct the facts of a case (core class). `changes` holds the form's values for
    `CASE_FIELDS`; `seen` the fingerprints the form was based on. Returns the changed names."""
    with transaction.atomic():
        locked = _locked_case(case)
        fields = [name for name in CASE_FIELDS if name in changes]
        _refuse_stale(locked, fields, seen)
        was_child = locked.is_child
        changed, parts, many = _apply(locked, changes, fields)
        if not changed:
            return []
        derived = _rederive(locked, locked.person) if "received_at" in changed else []
        if "is_child" in derived:
            parts.append(_child_line(locked, was_child))
        plain = [name for name in changed + derived if name not in many]
        if plain:
            locked.save(update_fields=[*plain, "updated_at"])
        for name, values in many.items():
            getattr(locked, name).set(values)
        record_event(locked, CaseEvent.Kind.UPDATED, actor=actor, reason="; ".join(parts))
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked,
            obj=locked,
            classes=[SensitivityClass.CORE],
            detail={"fields": changed + derived},
        )
        case_changed.send(sender=Case, case_id=locked.pk, cause="facts")
    _refresh(case, locked)
    return changed + derived


def do_edit_person(case: Case, changes: dict, *, seen: dict[str, str], actor: User) -> list[str]:
    """Correct the person's details (identity class) from one of their cases. Every case of the
    person gets an `identity` line with the values and a `core` line without them; a corrected
    birth date or year recomputes each case's age at reception and child flag, so the support
    plan and the statistics follow."""
    with transaction.atomic():
        locked_case = _locked_case(case)
        person = Person.objects.select_for_update().get(pk=locked_case.person_id)
        fields = [name for name in PERSON_FIELDS if name in changes]
        _refuse_stale(person, fields, seen)
        changed, parts, _many = _apply(person, changes, fields)
        if not changed:
            return []
        person.save()
        for each in Case.objects.select_for_update(no_key=True).filter(person=person).order_by("pk"):
            _record_person_change(each, person, changed, parts, actor=actor)
    case.person = person
    _refresh(case, Case.objects.get(pk=case.pk))
    return changed


def _record_person_change(case: Case, person: Person, changed: list[str], parts: list[str], *, actor: User) -> None:
    was_child = case.is_child
    derived = _rederive(case, person)
    if derived:
        case.save(update_fields=[*derived, "updated_at"])
    core_line = _child_line(case, was_child) if "is_child" in derived else ""
    record_event(
        case, CaseEvent.Kind.UPDATED, actor=actor, reason="; ".join(parts), sensitivity=SensitivityClass.IDENTITY
    )
    record_event(case, CaseEvent.Kind.IDENTITY_UPDATED, actor=actor, reason=core_line)
    audit.record(
        AuditEvent.Action.UPDATE,
        actor=actor,
        case=case,
        obj=person,
        classes=[SensitivityClass.IDENTITY, SensitivityClass.CORE] if derived else [SensitivityClass.IDENTITY],
        detail={"fields": [f"person.{name}" for name in changed] + derived},
    )
    case_changed.send(sender=Case, case_id=case.pk, cause="facts")


def _refresh(case: Case, fresh: Case) -> None:
    """Bring the caller's instance up to date (views render it again)."""
    for field in Case._meta.concrete_fields:
        setattr(case, field.attname, getattr(fresh, field.attname))


# Incidents and offenders ----------------------------------------------------------------------


def _incident_event(incident: Incident, kind: str, *, actor: User, reason: str) -> None:
    """The line goes on the timeline of every case of the incident: it is their shared record."""
    for case in incident.cases.all():
        record_event(case, kind, actor=actor, reason=reason, sensitivity=SensitivityClass.INVESTIGATION)


def do_edit_incident(incident: Incident, changes: dict, *, seen: dict[str, str], case: Case, actor: User) -> list[str]:
    """Correct an incident (criminal case number, stage, summary), from `case`, one of its cases."""
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        fields = [name for name in INCIDENT_FIELDS if name in changes]
        _refuse_stale(locked, fields, seen)
        changed, parts, _many = _apply(locked, changes, fields)
        if not changed:
            return []
        locked.save(update_fields=changed)
        _incident_event(locked, CaseEvent.Kind.UPDATED, actor=actor, reason="; ".join(parts))
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=case,
            obj=locked,
            classes=[SensitivityClass.INVESTIGATION],
            detail={"fields": [f"incident.{name}" for name in changed]},
        )
    for name in changed:
        setattr(incident, name, getattr(locked, name))
    return changed


def _offender_name(offender: Offender) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(offender)


def do_edit_offender(offender: Offender, changes: dict, *, seen: dict[str, str], case: Case, actor: User) -> list[str]:
    with transaction.atomic():
        locked = Offender.objects.select_for_update().get(pk=offender.pk)
        fields = [name for name in OFFENDER_FIELDS if name in changes]
        _refuse_stale(locked, fields, seen)
        before = _offender_name(locked)
        changed, parts, _many = _apply(locked, changes, fields)
        if not changed:
            return []
        locked.save(update_fields=changed)
        _incident_event(locked.incident, CaseEvent.Kind.UPDATED, actor=actor, reason=f"{before} — {'; '.join(parts)}")
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=case,
            obj=locked,
            classes=[SensitivityClass.INVESTIGATION],
            detail={"fields": [f"offender.{name}" for name in changed]},
        )
    return changed


def do_remove_offender(offender: Offender, *, case: Case, actor: User) -> None:
    with transaction.atomic():
        locked = Offender.objects.select_for_update().filter(pk=offender.pk).first()
        if locked is None:
            raise CaseworkError(_("That offender was already removed."))
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("Offender removed: %(name)s") % {"name": str(locked)}
        _incident_event(locked.incident, CaseEvent.Kind.UPDATED, actor=actor, reason=reason)
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=case,
            obj=locked.incident,
            classes=[SensitivityClass.INVESTIGATION],
            detail={"removed_offender": locked.pk},
        )
        locked.delete()


def do_link_existing_incident(case: Case, incident: Incident, *, actor: User) -> Incident:
    """Attach a case to an incident that already exists (a ring with many victims)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        if locked.incident_id == incident.pk:
            raise CaseworkError(_("The case is already linked to this incident."))
        if locked.incident_id is not None:
            raise CaseworkError(_("The case is linked to another incident; remove it from that one first."))
        _set_incident(locked, incident, kind=CaseEvent.Kind.INCIDENT, line=str(incident), actor=actor)
    case.incident = incident
    return incident


def do_unlink_incident(case: Case, *, reason: str, actor: User) -> None:
    """Take a case out of its incident; the incident and its offenders stay for the others."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseworkError(_("Give the reason the case is not part of this incident."))
    with transaction.atomic():
        locked = Case.objects.select_for_update(no_key=True, of=("self",)).select_related("incident").get(pk=case.pk)
        if locked.incident_id is None:
            raise CaseworkError(_("The case is not linked to an incident."))
        incident = locked.incident
        line = f"{incident} — {reason}"
        _set_incident(locked, None, kind=CaseEvent.Kind.INCIDENT_UNLINKED, line=line, actor=actor, was=incident)
    case.incident = None


def _set_incident(locked: Case, incident, *, kind: str, line: str, actor: User, was=None) -> None:
    """Link (`incident`) or unlink (`was`) a locked case: the row, its timeline line, its audit row."""
    locked.incident = incident
    locked.save(update_fields=["incident", "updated_at"])
    record_event(locked, kind, actor=actor, reason=line, sensitivity=SensitivityClass.INVESTIGATION)
    audit.record(
        AuditEvent.Action.UPDATE,
        actor=actor,
        case=locked,
        obj=incident or was,
        classes=[SensitivityClass.INVESTIGATION],
        detail={"linked": True} if incident is not None else {"unlinked": True},
    )


# Facts stated by another system ---------------------------------------------------------------
# An HTCDS file (`exchange.htcds`) states a case as the sender's record holds it. Its facts are
# written as they come, without fingerprints: nobody looked at a form, and the file is the
# record being loaded. What changed is still named on the timeline and in the audit.

STATED_CHANGES = gettext_noop("%(reason)s: %(fields)s")
# What the status actions derive from an identification decision, put back as stated.
STATED_DECISION_FIELDS = ("person_status", "identified_on", "legal_regime", "is_child")
STATED_CASE_FIELDS = (*CASE_FIELDS, *STATED_DECISION_FIELDS, "age_at_reception", "closure_reason")


def _stated_line(reason: str, changed: Iterable[str]) -> str:
    """`reason: field, field`, in the system language like every timeline line."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(STATED_CHANGES) % {"reason": reason, "fields": ", ".join(changed)}


def _only(values: dict, allowed: Iterable[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValueError(f"not a stated fact of a case: {', '.join(unknown)}")


def _set_differences(instance: models.Model, values: dict) -> list[str]:
    """Set the plain values that differ (foreign keys compared by id); their names."""
    changed = []
    for name, value in values.items():
        model_field = instance._meta.get_field(name)
        current = getattr(instance, model_field.attname)
        wanted = value.pk if model_field.is_relation and value is not None else value
        if current != wanted:
            changed.append(name)
            setattr(instance, name, value)
    return changed


def _set_many(case: Case, values: dict) -> list[str]:
    changed = []
    for name, wanted in values.items():
        manager = getattr(case, name)
        if {value.pk for value in manager.all()} != {value.pk for value in wanted}:
            manager.set(wanted)
            changed.append(name)
    return changed


def do_update_case_facts(
    case: Case,
    *,
    person: dict,
    fields: dict,
    many: dict,
    actor: User,
    reason: str,
    agency=None,
    detail: dict | None = None,
    also_changed: Iterable[str] = (),
    also_identity: bool = False,
) -> list[str]:
    """Write what another system states about an existing case: `person` (PERSON_FIELDS),
    `fields` (the case's facts, its derived and decision facts, its closure reason) and `many`
    (its picklists). `also_changed` names what the caller changed in records of its own about
    the case (`htcds.*`), `also_identity` whether that was identity data.

    When anything changed: one `updated` timeline line `reason: names` (system language) and
    one `update` audit row naming the fields (never the values), `identity` class too when the
    person's details changed. Returns the names: `person.*` first, then the case's, the
    picklists' and `also_changed`."""
    _only(person, PERSON_FIELDS)
    _only(fields, STATED_CASE_FIELDS)
    _only(many, CASE_FIELDS)
    with transaction.atomic():
        person_changed = _set_differences(case.person, person)
        if person_changed:
            case.person.save()
        case_changed_names = _set_differences(case, fields)
        if case_changed_names:
            case.save(update_fields=[*case_changed_names, "updated_at"])
        changed = [f"person.{name}" for name in person_changed] + case_changed_names
        changed += _set_many(case, many) + list(also_changed)
        if not changed:
            return []
        record_event(case, CaseEvent.Kind.UPDATED, actor=actor, reason=_stated_line(reason, changed))
        identity = bool(person_changed) or also_identity
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=case,
            obj=case,
            agency=agency,
            classes=[SensitivityClass.CORE, SensitivityClass.IDENTITY] if identity else [SensitivityClass.CORE],
            detail={**(detail or {}), "fields": changed},
        )
    return changed


def do_keep_stated_decision(case: Case, facts: dict) -> Case:
    """Put back the decision facts another system states (`STATED_DECISION_FIELDS`) where the
    status actions that moved the case to its stated status derived their own (today's date,
    the regime of that date, a child whose age is unknown). Part of the change its caller
    records: the creation's line and audit row, or `do_update_case_facts`'s, which names these
    fields; so no line of its own."""
    _only(facts, STATED_DECISION_FIELDS)
    Case.objects.filter(pk=case.pk).update(**facts)
    for name, value in facts.items():
        setattr(case, name, value)
    return case


def do_state_criminal_case_number(incident: Incident, number: str, *, case: Case, actor: User, reason: str) -> Incident:
    """Write the criminal case number another system states for an incident: a line on the
    timeline of the case that stated it (`investigation` class) and an `update` audit row."""
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(criminal_case_number=number)
        incident.criminal_case_number = number
        changed = ["incident.criminal_case_number"]
        line = _stated_line(reason, changed)
        record_event(case, CaseEvent.Kind.UPDATED, actor=actor, reason=line, sensitivity=SensitivityClass.INVESTIGATION)
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=case,
            obj=incident,
            classes=[SensitivityClass.INVESTIGATION],
            detail={"fields": changed},
        )
    return incident
