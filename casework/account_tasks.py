"""E-mails about the user's own account: password-reset links, invitations (decision 180)
and notices of a change.

Sent by the task queue (in-process when Celery runs eagerly), like the referral e-mails, so a
slow or unreachable mail server never holds up a page. Registered with Celery by
CaseworkConfig.ready. Texts name no case or person: only that something changed, and when."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

RETRYING = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}
# The notices go in the site's language, as the referral e-mails do.
NOTICE_LANGUAGE = "vi"


@shared_task(**RETRYING)
def send_account_email(subject: str, body: str, to_email: str) -> None:
    send_mail(subject, body, None, [to_email])


def notice_text(event: str) -> tuple[str, str]:
    when = date_format(timezone.localtime(), "DATETIME_FORMAT")
    subjects = {
        "password_changed": _("Your Cầu Nối password was changed"),
        "password_reset": _("Your Cầu Nối password was reset"),
        "two_factor_reset": _("The second sign-in step of your Cầu Nối account was reset"),
        "two_factor_enrolled": _("An authenticator app was set up for your Cầu Nối account"),
        "membership_added": _("Your Cầu Nối account was given a role in another agency"),
        "recovery_codes_replaced": _("New recovery codes were made for your Cầu Nối account"),
        "code_reused": _("A sign-in code of your Cầu Nối account was used again"),
        "new_address": _("Your Cầu Nối account was signed in to from a new address"),
    }
    bodies = {
        "password_changed": _("The password of your Cầu Nối account was changed on %(when)s."),
        "password_reset": _("The password of your Cầu Nối account was reset by e-mail on %(when)s."),
        "two_factor_reset": _(
            "The authenticator of your Cầu Nối account was removed on %(when)s. "
            "You will set up a new one the next time you sign in."
        ),
        "two_factor_enrolled": _("An authenticator app was set up for your Cầu Nối account on %(when)s."),
        "membership_added": _(
            "An agency administrator gave your Cầu Nối account a role in another agency on %(when)s. "
            "After signing in you choose which agency you work for."
        ),
        "recovery_codes_replaced": _(
            "New recovery codes were made for your Cầu Nối account on %(when)s; the old ones no longer work."
        ),
        "code_reused": _(
            "On %(when)s someone gave a sign-in code of your Cầu Nối account that had already been used, "
            "and it was refused. If you did not just type the same code twice, someone may know your "
            "password and see your codes."
        ),
        "new_address": _(
            "Your Cầu Nối account was signed in to on %(when)s from a network address it had not used "
            "before. You can see and end your open sessions on your account page."
        ),
    }
    warning = _("If this was not you, tell your agency administrator at once.")
    return str(subjects[event]), f"{bodies[event] % {'when': when}}\n\n{warning}\n"


@shared_task(**RETRYING)
def send_account_notice(user_id: int, event: str) -> bool:
    from casework.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return False
    with translation.override(NOTICE_LANGUAGE):
        subject, body = notice_text(event)
    send_mail(subject, body, None, [user.email])
    return True


def invitation_text(link: str) -> tuple[str, str]:
    """An invitation: the link only, no agency, name or username (the page shows the username)."""
    subject = _("A Cầu Nối account was made for you")
    body = _(
        "An administrator of your agency made a Cầu Nối account for you. To choose your password, "
        "open this link within %(hours)d hours (it works once):"
    ) % {"hours": settings.CAUNOI_INVITATION_HOURS}
    ignore = _("If you did not expect this e-mail, ignore it.")
    return str(subject), f"{body}\n\n{link}\n\n{ignore}\n"


def queue_invitation(user, link: str) -> None:
    with translation.override(NOTICE_LANGUAGE):
        subject, body = invitation_text(link)
    dispatch(send_account_email, subject, body, user.email)


def dispatch(task, *args) -> None:
    """Queue the task once the current transaction commits."""
    transaction.on_commit(lambda: task.delay(*args))


def queue_notice(user, event: str) -> None:
    dispatch(send_account_notice, user.pk, event)
