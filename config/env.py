"""Strict readers for settings taken from the environment.

Every helper fails loudly on a malformed value instead of silently falling back:
a typo in production configuration must stop the process, not weaken it.
"""

import os
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ImproperEnvironment(Exception):
    pass


def env_str(name: str, default: str | None = None) -> str:
    """A string; `NAME_FILE` (a path to a secret file) wins over `NAME`."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperEnvironment(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperEnvironment(f"{name}={value!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperEnvironment(f"{name}={value!r} is not an integer") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperEnvironment(f"{name}={value!r} is not a number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperEnvironment(f"{name}={value!r} must be one of {', '.join(choices)}")
    return value


def database_from_url(url: str) -> dict:
    """Parse postgres://user:pass@host:port/name (the only non-SQLite engine supported)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperEnvironment(f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres://)")
    if not parts.path.strip("/"):
        raise ImproperEnvironment("DATABASE_URL has no database name")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def postgres_options(statement_timeout_seconds: int, parallel_workers: int | None = None) -> str:
    """libpq `options` for every connection: no JIT (compiling a dashboard aggregate cost ~200 ms
    at 200,000 cases, more than it saved), the statement timeout (0: none) and, when given, the
    parallel workers one query may start (None: PostgreSQL's own setting; decision 305)."""
    options = f"-c jit=off -c statement_timeout={statement_timeout_seconds * 1000}"
    if parallel_workers is not None:
        options += f" -c max_parallel_workers_per_gather={parallel_workers}"
    return options


def replica_database(primary: dict, url: str) -> dict:
    """The `replica` alias: the primary's connection settings (timeouts, options) on the
    replica's address. Tests and migrations treat it as a mirror of `default`: the test runner
    creates no database for it and migrations never run on it (a standby is read-only)."""
    if primary["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperEnvironment("DATABASE_REPLICA_URL needs DATABASE_URL (a PostgreSQL primary)")
    try:
        address = database_from_url(url)
    except ImproperEnvironment as error:
        raise ImproperEnvironment(str(error).replace("DATABASE_URL", "DATABASE_REPLICA_URL")) from None
    return {
        **primary,
        **address,
        "OPTIONS": dict(primary.get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
