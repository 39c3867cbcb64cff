"""The page header's counts — the inbox badge of an agency and a user's unread notifications —
kept in the cache, so a page does not count them again (decision 251).

Each count has its own key and is dropped when something it counts changes: a referral to the
agency saved or deleted (`referrals.apps`), a notification saved, deleted or marked read
(`messaging.apps`, `messaging.views`). The drop happens after the change commits, before the
response of the request that made it, so the user who just acted sees the new count. A count
computed while another request's change commits may be stored just after that change dropped
it: it is then at most CAUNOI_HEADER_COUNTS_SECONDS old, as is a handover leaving the inbox by
age. Without a reachable cache the counts are computed on every page, as before.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

INBOX = "inbox"
UNREAD = "unread"


def inbox_key(agency_id: int) -> str:
    return f"header:inbox:{agency_id}"


def unread_key(user_id: int, agency_id: int) -> str:
    return f"header:unread:{user_id}:{agency_id}"


def cached_counts(user_id: int, agency_id: int, compute: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The inbox and unread counts from the cache, computed (in one query) when either is missing."""
    seconds = settings.CAUNOI_HEADER_COUNTS_SECONDS
    if seconds <= 0:
        return compute()
    keys = {INBOX: inbox_key(agency_id), UNREAD: unread_key(user_id, agency_id)}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:  # the cache is down: count as before, every page
        log.warning("header counts: cache unavailable", exc_info=True)
        return compute()
    if len(found) == len(keys):
        return {name: found[key] for name, key in keys.items()}
    counts = compute()
    try:
        cache.set_many({key: counts[name] for name, key in keys.items()}, seconds)
    except Exception:
        log.warning("header counts: cache unavailable", exc_info=True)
    return counts


def _drop(keys: list[str]) -> None:
    def drop() -> None:
        try:
            cache.delete_many(keys)
        except Exception:
            log.warning("header counts: could not drop %s", keys, exc_info=True)

    transaction.on_commit(drop)


def forget_inbox(agency_id: int | None) -> None:
    """A referral to this agency changed: its inbox badge is counted again (after commit)."""
    if agency_id is not None:
        _drop([inbox_key(agency_id)])


def forget_unread(user_id: int | None, agency_id: int | None) -> None:
    """A notification of this user for this agency changed (after commit)."""
    if user_id is not None and agency_id is not None:
        _drop([unread_key(user_id, agency_id)])


def notification_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of Notification."""
    forget_unread(instance.recipient_id, instance.agency_id)
