"""Select options kept in the cache (see `casework.forms.cache_options`).

Every key carries one generation number; saving an agency, agency kind, country, province,
membership or user bumps it (at the save and again after the commit), and so do the actions
that change them with update() and every migrate, so every cached list of options is rebuilt
on its next use. A cache outage builds the options anew.
"""

import logging

from django.core.cache import cache
from django.db import transaction

from casework.lib import generations

log = logging.getLogger(__name__)
GENERATION_KEY = "choices:gen"


def get_or_build(key: str, language: str, build, seconds: int) -> list:
    try:
        full_key = f"choices:{generations.current(GENERATION_KEY)}:{key}:{language}"
        found = cache.get(full_key)
    except Exception:  # noqa: BLE001 — a cache outage costs speed only
        log.warning("choices cache unavailable", exc_info=True)
        return build()
    if found is None:
        found = build()
        try:
            cache.set(full_key, found, seconds)
        except Exception:  # noqa: BLE001
            log.warning("choices cache unavailable", exc_info=True)
    return found


def invalidate(**kwargs) -> None:
    """Bump at the save, so the saving request shows its change at once, and again after the
    commit: a request that rebuilt the options between the two read the data as it was
    before the change, and what it stored must not be served after the commit."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        generations.bump(GENERATION_KEY)
    except Exception:  # noqa: BLE001
        log.warning("choices cache unavailable; options may be stale up to CAUNOI_CHOICES_CACHE_SECONDS", exc_info=True)
