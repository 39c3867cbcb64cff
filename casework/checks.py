"""System checks of the production configuration (docs/decisions.md 112, 113).

Django's own `security.W009` only warns about a weak SECRET_KEY, and only under `--deploy`; here a
weak key is an error in production, and the web process (config/wsgi.py) refuses to start with it.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# A key from `get_random_secret_key()` (50 characters of 50) or `openssl rand -hex 32` (64 of 16)
# passes with a wide margin; 50 × "x", a word repeated or a short password does not.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 12
# Prefixes of keys that are public: Django's project template and our development default.
KNOWN_KEY_PREFIXES = ("django-insecure-", "dev-only-insecure-key")


def weak_secret_key_reason(key: str) -> str | None:
    """Why `key` is too weak to sign sessions and derive the identifier key, or None."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return f"it has {len(set(key))} distinct characters, fewer than {SECRET_KEY_MIN_DISTINCT}"
    if key.startswith(KNOWN_KEY_PREFIXES):
        return "it is a published development key"
    return None


@checks.register(checks.Tags.security)
def check_secret_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """caunoi.E001: in production, a SECRET_KEY (or a fallback) that is short, repetitive or public."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []
    keys = [("DJANGO_SECRET_KEY", settings.SECRET_KEY)]
    keys += [(f"SECRET_KEY_FALLBACKS[{i}]", key) for i, key in enumerate(getattr(settings, "SECRET_KEY_FALLBACKS", []))]
    for name, key in keys:
        reason = weak_secret_key_reason(str(key or ""))
        if reason:
            errors.append(
                checks.Error(
                    f"{name} is too weak for production: {reason}.",
                    hint="Generate one with `python -c 'import secrets; print(secrets.token_urlsafe(64))'`.",
                    id="caunoi.E001",
                )
            )
    return errors


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """caunoi.W001: in production without TRUSTED_PROXIES, every request behind the proxy seems to
    come from the proxy's address, so the sign-in lockout locks everyone out at once."""
    if not getattr(settings, "PRODUCTION", False) or settings.TRUSTED_PROXIES:
        return []
    return [
        checks.Warning(
            "TRUSTED_PROXIES is not set: behind a reverse proxy every client appears to come from the "
            "proxy's address, so one person's failed sign-ins lock every user out and the audit log "
            "records the proxy instead of the client.",
            hint="Set TRUSTED_PROXIES to the addresses of the proxies in front of gunicorn (docs/deploy.md), "
            "or silence caunoi.W001 if clients connect directly.",
            id="caunoi.W001",
        )
    ]


def refuse_weak_secret_key() -> None:
    """For the web process, which runs no system checks: stop at start-up on caunoi.E001."""
    errors = check_secret_key()
    if errors:
        raise ImproperlyConfigured(errors[0].msg)
