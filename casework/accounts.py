"""Actions on staff accounts by an agency administrator (decisions 179–181): invite a
colleague, end or restore a membership in her agency, change a colleague's role there.

Memberships are added and ended through casework.actions (groups, assignments and their own
audit rows); each change here also writes an `account` audit row whose `detail.event` says
what happened, naming the colleague (the row's object) and the agency. No password, token or
link is ever written to a row. A refusal raises AccountError with a message for the admin
that says nothing about the colleague's other agencies."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from casework import audit
from casework.actions import do_add_membership, do_end_membership
from casework.models import Agency, AuditEvent, Membership, Role, User
from casework.service_accounts import SERVICE_USERNAME_PREFIX, is_service_account

_TAKEN = _lazy(
    "This username or e-mail address belongs to another account. To add an existing "
    "account to your agency, enter both its username and its e-mail address."
)


class AccountError(Exception):
    """A refused account change; the message is shown to the admin as it is."""


MACHINE_ACCOUNT_MESSAGE = _lazy("This is the service account of a partner system. Manage it as an API client.")


def refuse_service_account(user: User) -> None:
    """Machine accounts (decision 238) are not restored, promoted or invited here."""
    if is_service_account(user):
        raise AccountError(MACHINE_ACCOUNT_MESSAGE)


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token under its own salt and lifetime (CAUNOI_INVITATION_HOURS, longer
    than a reset's hour: the colleague may read the e-mail the next working day). A reset link
    is no invitation and an invitation no reset link; the hash covers the password, so the
    link works once."""

    key_salt = "caunoi.accounts.InvitationTokenGenerator"

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                return self._num_seconds(self._now()) - ts <= settings.CAUNOI_INVITATION_HOURS * 3600
        return False


invitation_tokens = InvitationTokenGenerator()


def _record(event: str, user: User, agency: Agency, actor: User, **detail) -> None:
    audit.record(AuditEvent.Action.ACCOUNT, actor=actor, obj=user, agency=agency, detail={"event": event, **detail})


def find_existing(username: str, email: str) -> User | None:
    """The account an invitation names, when the username or the e-mail address is taken.
    Both must name the same account: otherwise AccountError, which does not say whose."""
    by_username = User.objects.filter(username__iexact=username).first()
    by_email = list(User.objects.annotate(low=Lower("email")).filter(low=email.lower())[:2]) if email else []
    if by_username is None and not by_email:
        return None
    if by_username is not None and by_email == [by_username]:
        return by_username
    raise AccountError(_TAKEN)


@transaction.atomic
def do_invite_colleague(
    *, agency: Agency, actor: User, full_name: str, username: str, email: str, role: str
) -> tuple[User, bool]:
    """A new account without a usable password and a membership in `agency`; or, for an
    existing account (same username and e-mail), a membership only. Returns the user and
    whether the account is new; the caller sends the e-mail."""
    if role not in Role.values:
        raise AccountError(_("Choose one of the roles."))
    if username.lower().startswith(SERVICE_USERNAME_PREFIX):
        raise AccountError(
            _("Usernames beginning with %(prefix)s are kept for partner systems.") % {"prefix": SERVICE_USERNAME_PREFIX}
        )
    existing = find_existing(username, email)
    if existing is None:
        user = User(username=username, email=email, full_name=full_name)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same username, sent twice at once
            raise AccountError(_TAKEN) from None
        do_add_membership(user, agency, role, actor=actor)
        _record("invited", user, agency, actor, role=role)
        return user, True
    refuse_service_account(existing)
    if existing.is_superuser or existing.is_staff:
        raise AccountError(_("This account cannot be added to an agency here."))
    if Membership.objects.filter(user=existing, agency=agency, is_active=True).exists():
        raise AccountError(_("This person already works for your agency. Change their role on their page."))
    do_add_membership(existing, agency, role, actor=actor)
    _record("membership_added", existing, agency, actor, role=role)
    _reactivate_account(existing, agency, actor)
    return existing, False


def _reactivate_account(user: User, agency: Agency, actor: User) -> None:
    """A machine account stays inactive for the web whatever its memberships (decision 238)."""
    if not user.is_active and not is_service_account(user):
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        _record("user_reactivated", user, agency, actor)


@transaction.atomic
def do_end_colleague_membership(membership: Membership, *, actor: User) -> bool:
    """End the membership (the colleague loses the agency at her next request); when she has
    no other active membership anywhere, deactivate the account too. Returns whether the
    account was deactivated."""
    if membership.user_id == actor.pk:
        raise AccountError(_("You cannot end your own membership. Ask another administrator."))
    if not membership.is_active:
        raise AccountError(_("This membership has already ended."))
    user, agency = membership.user, membership.agency
    do_end_membership(membership, actor=actor)
    _record("membership_ended", user, agency, actor, role=membership.role)
    if Membership.objects.filter(user=user, is_active=True).exists() or not user.is_active:
        return False
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    _record("user_deactivated", user, agency, actor)
    return True


@transaction.atomic
def do_restore_colleague_membership(membership: Membership, *, actor: User) -> Membership:
    """Make an ended membership active again (and the account, if it was deactivated)."""
    if membership.is_active:
        raise AccountError(_("This membership is active already."))
    refuse_service_account(membership.user)
    user, agency = membership.user, membership.agency
    restored = do_add_membership(user, agency, membership.role, actor=actor)
    _record("membership_restored", user, agency, actor, role=membership.role)
    _reactivate_account(user, agency, actor)
    return restored


@transaction.atomic
def do_change_role(membership: Membership, role: str, *, actor: User) -> Membership:
    """Move a colleague from one role of the agency to another: the old membership ends (its
    group, and a caseworker's assignments, with it) and the new one begins."""
    if membership.user_id == actor.pk:
        raise AccountError(_("You cannot change your own role. Ask another administrator."))
    if role not in Role.values:
        raise AccountError(_("Choose one of the roles."))
    refuse_service_account(membership.user)
    if not membership.is_active:
        raise AccountError(_("This membership has ended. Restore it first."))
    if role == membership.role:
        raise AccountError(_("This is already their role."))
    user, agency = membership.user, membership.agency
    if Membership.objects.filter(user=user, agency=agency, role=role, is_active=True).exists():
        raise AccountError(_("They already have this role in your agency."))
    new = do_add_membership(user, agency, role, actor=actor)
    do_end_membership(membership, actor=actor)
    _record("role_changed", user, agency, actor, role=role, previous_role=membership.role)
    return new
