"""The user's open sessions (ASVS 3.3.4): listed on the account page, each can be ended, or
all but the one in use ("sign out everywhere else").

A row is written when the sign-in completes (`register`) and its last action moved forward at
most every TOUCH_SECONDS by the session middleware (`touch`), so a page costs no extra write.
A session that ended without the row knowing (idle or 12-hour limit, password changed, store
expired) is dropped when listed. Ending one deletes it from the session store: its next
request is signed out."""

import datetime
import time
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from casework import audit
from casework.models import AuditEvent, UserSession

# The last action shown is at most this old; moving it forward costs one UPDATE.
TOUCH_SECONDS = 300
SESSION_TOUCHED_KEY = "session_touched_at"
USER_AGENT_LENGTH = 300


def _store(key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def register(request, user, ip: str | None) -> None:
    """Record the session just signed in (after `login`, which gave it a new key)."""
    if not request.session.session_key:
        request.session.save()
    now = timezone.now()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": ip,
            "user_agent": request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH],
            "signed_in_at": now,
            "last_seen_at": now,
        },
    )
    request.session[SESSION_TOUCHED_KEY] = time.time()


def rekey(request, old_key: str | None) -> None:
    """The session kept its user but got a new key (a password change cycles it)."""
    if old_key and old_key != request.session.session_key:
        if not request.session.session_key:
            request.session.save()
        UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def touch(request, ip: str | None) -> None:
    """A user action: move the session's last action forward if it is older than TOUCH_SECONDS."""
    now = time.time()
    touched = request.session.get(SESSION_TOUCHED_KEY)
    if touched is None or now - touched < TOUCH_SECONDS:
        return  # not a registered session, or touched a moment ago
    request.session[SESSION_TOUCHED_KEY] = now
    UserSession.objects.filter(session_key=request.session.session_key).update(last_seen_at=timezone.now(), ip=ip)


def forget(session_key: str | None) -> None:
    """The session was signed out: drop its row."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def _within_limits(row: UserSession, now: datetime.datetime) -> bool:
    idle = datetime.timedelta(seconds=settings.SESSION_IDLE_SECONDS + TOUCH_SECONDS)
    absolute = datetime.timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    return now - row.last_seen_at <= idle and now - row.signed_in_at <= absolute


def _stored_keys(keys: list[str], now: datetime.datetime) -> set[str]:
    """Which of these session keys the store still holds. A database-backed store (db,
    cached_db: the database is the truth of both) answers in one query; any other store is
    asked key by key, which costs no database query."""
    store = _store()
    if not keys:
        return set()
    if hasattr(store, "get_model_class"):
        stored = store.get_model_class().objects.filter(session_key__in=keys, expire_date__gt=now)
        return set(stored.values_list("session_key", flat=True))
    return {key for key in keys if store.exists(key)}


def open_sessions(user) -> list[UserSession]:
    """The user's sessions that can still be used, newest first; the others' rows are dropped."""
    now = timezone.now()
    rows = list(UserSession.objects.filter(user=user).order_by("-signed_in_at"))
    stored = _stored_keys([row.session_key for row in rows if _within_limits(row, now)], now)
    gone = [row for row in rows if row.session_key not in stored]
    if gone:
        for row in gone:
            _store(row.session_key).delete()
        UserSession.objects.filter(pk__in=[row.pk for row in gone]).delete()
    return [row for row in rows if row not in gone]


def end_sessions(user, rows, *, actor, reason: str) -> int:
    """End these sessions of `user` (deleted from the store, so their next request is signed
    out), audited with how many and why. Returns how many were ended."""
    rows = list(rows)
    for row in rows:
        _store(row.session_key).delete()
    UserSession.objects.filter(user=user, pk__in=[row.pk for row in rows]).delete()
    if rows:
        audit.record(
            AuditEvent.Action.ACCOUNT,
            actor=actor,
            obj=user,
            detail={"event": "sessions_ended", "count": len(rows), "reason": reason},
        )
    return len(rows)


def end_other_sessions(request, *, reason: str) -> int:
    """Every session of the signed-in user but this one."""
    user = request.user
    others = UserSession.objects.filter(user=user).exclude(session_key=request.session.session_key or "")
    return end_sessions(user, others, actor=user, reason=reason)


def describe_browser(user_agent: str) -> str:
    """A short name of the browser and system from a User-Agent header, e.g. "Chrome · Android"."""
    agent = user_agent or ""
    browser = next(
        (
            name
            for token, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
            if token in agent
        ),
        "",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS", "macOS"),
                ("Linux", "Linux"),
            )
            if token in agent
        ),
        "",
    )
    return " · ".join(part for part in (browser, system) if part)
