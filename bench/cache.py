"""Making the next dashboard request uncached.

The dashboard caches its aggregates (dashboards/cache.py) in the Django cache. The bench
server's cache is Redis in a database of the bench's own (`CACHE_URL`, services.server_env),
so emptying that database is a complete, side-effect-free way to make the next request
compute everything. `Cache.bust` is the one hook: change it if the caching changes.
"""

import redis

from bench.config import Settings
from bench.services import django_settings

# Django's, and the project's with the breaker (config/cache.py).
REDIS_BACKENDS = ("django.core.cache.backends.redis.RedisCache", "config.cache.GuardedRedisCache")


class Cache:
    def __init__(self, settings: Settings, env: dict):
        found = django_settings(env, ["CACHES", "CAUNOI_DASHBOARD_CACHE_SECONDS"])
        default = (found.get("CACHES") or {}).get("default", {})
        self.backend = default.get("BACKEND", "")
        self.location = default.get("LOCATION")
        self.dashboard_seconds = found.get("CAUNOI_DASHBOARD_CACHE_SECONDS")
        # Emptied only when it is the bench's own Redis database, never a shared one.
        self.bustable = self.backend in REDIS_BACKENDS and self.location == settings.redis(settings.cache_db)
        self._client = redis.Redis.from_url(self.location) if self.bustable else None

    @property
    def dashboard_cached(self) -> bool:
        """Whether this checkout caches dashboard figures at all."""
        return bool(self.dashboard_seconds)

    def bust(self) -> None:
        """Forget every cached dashboard figure before the next request. Only the figures
        (`dash:` keys, dashboards/cache.py): the select options cached beside them are not
        what "uncached" is about, and flushing them too would count their rebuild against
        the dashboard."""
        if self._client is not None:
            keys = list(self._client.scan_iter(match="*:dash:*", count=1000))
            if keys:
                self._client.delete(*keys)

    def describe(self) -> dict:
        if not self.dashboard_cached:
            note = "this checkout does not cache dashboard figures: every request is uncached"
        elif self.bustable:
            note = "uncached = the dashboard figures deleted from the bench's Redis cache before each request"
        else:
            note = "the cache is not the bench's Redis database: uncached figures could not be forced"
        return {
            "backend": self.backend,
            "dashboard_cache_seconds": self.dashboard_seconds,
            "bustable": self.bustable,
            "note": note,
        }
