"""Machine accounts: the accounts partner systems act through (the API's service accounts,
decision 238). casework owns the marker so that it never imports the api app (layering): a
service account's username begins with SERVICE_USERNAME_PREFIX and it has no usable password.
No invitation may take that prefix, so no person's account ever carries the marker.

A machine account is never active for the web, never offered as an assignee and never
changed on the colleagues page except that its memberships may be ended."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q

from casework.models import User

SERVICE_USERNAME_PREFIX = "api."


def is_service_account(user: User) -> bool:
    return user.username.lower().startswith(SERVICE_USERNAME_PREFIX) and not user.has_usable_password()


def service_account_q(prefix: str = "") -> Q:
    """`is_service_account` as a filter on users; `prefix` is the path to the user ("user__")."""
    return Q(**{f"{prefix}username__istartswith": SERVICE_USERNAME_PREFIX}) & Q(
        **{f"{prefix}password__startswith": UNUSABLE_PASSWORD_PREFIX}
    )
