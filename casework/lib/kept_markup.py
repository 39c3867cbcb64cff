"""Markup kept per process for a few minutes: filter forms that hold no case data.

A filter bar whose options are every agency and province in the viewer's scope (about 350 at
national scale) costs milliseconds to build from the cached options on every request, and it
is the same for everyone who sends the same filter values. `KeptMarkup` keeps the rendered
markup in a bounded dict per process, keyed by what the markup depends on: the caller's key
always names the language and the choices generation (`choices_cache`), so a saved agency or
province shows at once and a Vietnamese page never gets English markup. Only markup without
anything typed by a user or read from a case may be kept (decision 270).

Not in Redis: the markup is tens of kilobytes and cheaper to keep than to fetch.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.conf import settings
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from casework import choices_cache
from casework.lib import generations

log = logging.getLogger(__name__)


class KeptMarkup:
    def __init__(self, size: int = 64):
        self.size = size
        self._kept: OrderedDict[tuple, tuple[float, SafeString]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], SafeString]) -> SafeString:
        """`render()`, or what it gave for the same key, language and choices generation within
        CAUNOI_CHOICES_CACHE_SECONDS. Nothing is kept when that is 0 (the test settings) or
        when the cache holding the generation does not answer."""
        seconds = settings.CAUNOI_CHOICES_CACHE_SECONDS
        full_key = self._full_key(key) if seconds else None
        if full_key is None:
            return render()
        now = time.monotonic()
        with self._lock:
            found = self._kept.get(full_key)
        if found is not None and found[0] >= now:
            return found[1]
        markup = render()
        with self._lock:
            self._kept[full_key] = (now + seconds, markup)
            self._kept.move_to_end(full_key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return markup

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)

    def values(self) -> list[SafeString]:
        with self._lock:
            return [markup for _expiry, markup in self._kept.values()]

    @staticmethod
    def _full_key(key: Hashable) -> tuple | None:
        try:
            generation = generations.current(choices_cache.GENERATION_KEY)
        except Exception:  # noqa: BLE001 — a cache outage costs speed only
            log.warning("choices cache unavailable", exc_info=True)
            return None
        return (get_language(), generation, key)
