"""Notifications (docs/responsibility.md): one row per recipient and effect, plus an e-mail through the
outbox. The text is built from the kind and references only — referral and case numbers,
purpose, step, agency and facility names, follow-up months and dates — never the person's
identity, and is rendered in the reader's language when it is shown or mailed.

Who is told of what is decided by the app the notice is about (referrals: `referrals/notify.py`,
`referrals/followups.py`); it passes recipients, kind, parameters and URL to `notify`. A
parameter holding a code of another app's choices (a referral step, a follow-up outcome) is
named once with `register_param_choices`, so that its label is shown in the reader's language
without messaging importing that app (decision 144)."""

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from casework.models import Agency, Case, CaseTask, Role, SensitivityClass, User
from messaging import outbox
from messaging.models import Notification

Kind = Notification.Kind
EMAIL_TASK = "messaging.tasks.send_notification_email"

# Every parameter a notice may carry and the class it belongs to (decision 170): numbers, codes,
# dates and agency names are `core`; a follow-up's facility, months, due day and outcome are of
# the stay (`shelter`), told only to the facility and the lead. No parameter may be of `identity`
# or another class beyond these: the texts never say who she is (`notify` refuses one).
PARAM_CLASSES: dict[str, str] = {
    "referral": SensitivityClass.CORE,
    "case": SensitivityClass.CORE,
    "purpose": SensitivityClass.CORE,
    "from_agency": SensitivityClass.CORE,
    "to_agency": SensitivityClass.CORE,
    "step": SensitivityClass.CORE,
    "task": SensitivityClass.CORE,
    "due": SensitivityClass.CORE,
    "facility": SensitivityClass.SHELTER,
    "months": SensitivityClass.SHELTER,
    "due_on": SensitivityClass.SHELTER,
    "outcome": SensitivityClass.SHELTER,
}
NOTICE_CLASSES = frozenset({SensitivityClass.CORE, SensitivityClass.SHELTER})

MESSAGES = {
    Kind.REFERRAL_RECEIVED: _("New referral %(referral)s (%(purpose)s) from %(from_agency)s for case %(case)s."),
    Kind.REFERRAL_ASSIGNED: _("Referral %(referral)s (%(purpose)s) from %(from_agency)s is assigned to you."),
    Kind.REFERRAL_OVERDUE: _("Referral %(referral)s (%(purpose)s) to %(to_agency)s is overdue at step “%(step)s”."),
    Kind.REFERRAL_ESCALATED: _(
        "Referral %(referral)s (%(purpose)s) from %(from_agency)s to %(to_agency)s is escalated to your agency: "
        "step “%(step)s” is overdue."
    ),
    Kind.REFERRAL_MOVED: _("Referral %(referral)s (%(purpose)s) is now “%(step)s”."),
    Kind.FOLLOWUP_DUE: _(
        "The %(months)s-month follow-up visit of case %(case)s, discharged from %(facility)s, is due on %(due_on)s."
    ),
    Kind.FOLLOWUP_OVERDUE: _(
        "The %(months)s-month follow-up visit of case %(case)s, discharged from %(facility)s, was due on "
        "%(due_on)s and is not recorded yet."
    ),
    Kind.FOLLOWUP_OUTCOME: _(
        "The %(months)s-month follow-up visit of case %(case)s, discharged from %(facility)s, found: %(outcome)s."
    ),
    Kind.TASK_CREATED: _("Case %(case)s has a new task for your agency, due %(due)s: %(task)s."),
}
FOLLOWUP_KINDS = {Kind.FOLLOWUP_DUE, Kind.FOLLOWUP_OVERDUE, Kind.FOLLOWUP_OUTCOME}
EMAIL_SUBJECT = _("Cầu Nối: %(kind)s, referral %(referral)s")
EMAIL_FOOTER = _("Open Cầu Nối to see the referral: %(url)s")
EMAIL_SUBJECT_FOLLOWUP = _("Cầu Nối: %(kind)s, case %(case)s")
EMAIL_FOOTER_FOLLOWUP = _("Open Cầu Nối to see the follow-up: %(url)s")
EMAIL_FOOTER_CASE = _("Open Cầu Nối to see the case: %(url)s")
# Notices about a case rather than a referral: the subject names the case.
CASE_KINDS = FOLLOWUP_KINDS | {Kind.TASK_CREATED}
# The User has no language field; staff read Vietnamese first (LANGUAGE_CODE).
EMAIL_LANGUAGE = "vi"

# Parameters that hold a code of some choices: the text shows the code's label. Casework's
# own are known here; apps to the right add theirs (`register_param_choices`).
PARAM_CHOICES: dict[str, type[models.Choices]] = {"task": CaseTask.Kind}


def register_param_choices(name: str, choices: type[models.Choices]) -> None:
    """Show the parameter `name` of every notification as the label of its code in `choices`
    (a referral's `step`, a follow-up's `outcome`). Called from the owning app's `ready`."""
    PARAM_CHOICES[name] = choices


def bilingual(label) -> dict[str, str]:
    """A parameter naming something with a Vietnamese and an English name (`name`, `name_en`)."""
    return {"vi": label.name, "en": label.name_en or label.name}


def _localized(value, language: str) -> str:
    if isinstance(value, dict):
        return value.get(language) or value.get("vi") or ""
    return str(value)


def notification_text(notification: Notification) -> str:
    """The message in the active language."""
    language = "en" if (translation.get_language() or "vi").startswith("en") else "vi"
    values = {name: _localized(value, language) for name, value in notification.params.items()}
    for name, choices in PARAM_CHOICES.items():
        if notification.params.get(name) in choices.values:
            values[name] = str(choices(notification.params[name]).label)
    if notification.kind == Kind.TASK_CREATED and not values.get("due"):
        values["due"] = "—"
    template = MESSAGES.get(notification.kind)
    if template is None:
        return str(notification.get_kind_display())
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):  # params written by an older version of a message
        return str(notification.get_kind_display())


def members(agency: Agency | None, *roles: str) -> QuerySet[User]:
    """The active users holding one of `roles` in an agency through an active membership."""
    if agency is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True,
        memberships__agency=agency,
        memberships__role__in=roles,
        memberships__is_active=True,
    ).distinct()


def supervisors(agency: Agency | None) -> QuerySet[User]:
    """The active supervisors of an agency: whoever acts for it receives its notices."""
    return members(agency, Role.SUPERVISOR)


def assigned_worker(case: Case, agency: Agency) -> list[User]:
    """The caseworker the case is assigned to, while she is an active caseworker of `agency`:
    she is the one who must act on what happens to her case (an assignment belongs to the
    caseworker role of the agency that made it, docs/decisions.md)."""
    if case.assigned_to_id is None:
        return []
    return list(members(agency, Role.CASEWORKER).filter(pk=case.assigned_to_id))


def notifications_of(user, agency_id: int) -> QuerySet[Notification]:
    """The user's notifications for one agency, newest first."""
    return Notification.objects.filter(recipient=user, agency_id=agency_id)


def my_notifications(user) -> QuerySet[Notification]:
    """The user's notifications for the active agency: a user acting for one agency does not
    read about another's referrals (docs/decisions.md 2)."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return Notification.objects.none()
    return notifications_of(user, membership.agency_id)


def notify(*, users: Iterable[User], agency: Agency, kind: str, params: dict, url: str, key: str) -> list[Notification]:
    """One notification per recipient and key, and an e-mail for each new one. Safe to call
    again and from concurrent processes: the unique (recipient, key) keeps it once, and only
    the call that inserted the row enqueues its e-mail. Returns the new notifications.
    A parameter without a class in PARAM_CLASSES, or of a class notices never carry, is a
    programming error (ValueError): nothing is sent."""
    unclassed = [name for name in params if PARAM_CLASSES.get(name) not in NOTICE_CLASSES]
    if unclassed:
        raise ValueError(f"notification parameters without a notice class: {unclassed}")
    created = []
    now = timezone.now()
    for user in users:
        # get_or_create inserts in a savepoint; a concurrent insert of the same key waits for the
        # other transaction and then finds its row, so only one side sees `made`.
        notification, made = Notification.objects.get_or_create(
            recipient=user,
            key=key,
            defaults={"agency": agency, "kind": kind, "params": params, "url": url, "created_at": now},
        )
        if made:
            outbox.enqueue(EMAIL_TASK, notification.pk)
            created.append(notification)
    return created


def email_notification(notification: Notification) -> None:
    """Send the e-mail of one notification in the recipient's language. Raises on failure."""
    followup = notification.kind in FOLLOWUP_KINDS
    about_case = notification.kind in CASE_KINDS
    with translation.override(EMAIL_LANGUAGE):
        subject = str(EMAIL_SUBJECT_FOLLOWUP if about_case else EMAIL_SUBJECT) % {
            "kind": notification.get_kind_display(),
            "referral": notification.params.get("referral", ""),
            "case": notification.params.get("case", ""),
        }
        body = notification_text(notification)
        if notification.url:
            footer = EMAIL_FOOTER_FOLLOWUP if followup else EMAIL_FOOTER_CASE if about_case else EMAIL_FOOTER
            body += "\n\n" + str(footer) % {"url": notification.url}
    send_mail(subject, body, None, [notification.recipient.email])
