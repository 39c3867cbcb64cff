"""Reads of dashboards, statistics and exports from a streaming replica (decisions 260–264).

Code opts in explicitly, one block at a time: the dashboard and statistics views wrap the
computing of their figures, and an export wraps the building of its file, in
`replica_reads()`. Everything else — sign-in, the session, the membership, access checks
outside those blocks, every write, the audit row — reads and writes the primary, whether or not
a replica is configured. Inside the block `ReplicaRouter` sends ORM reads to the `replica`
alias, unless the primary's connection is inside a transaction (it may have written there, and
its own writes are visible only on the primary).

A replica lags. At the block's first read the primary's flushed WAL position is read and the
block waits (at most `DATABASE_REPLICA_WAIT_MS`) until the replica has replayed that far, so
a figure read there includes every change committed before it was asked for — as the primary
would have given it — and a figure cached after an invalidation never misses the change that
invalidated it. A replica that is behind, stopped or unreachable is logged and the block reads
the primary: the page is slower, never staler.
"""

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"

# Whether the replica has replayed the WAL up to a position of the primary. Not in recovery: the
# alias is the primary itself (a test mirror) or a promoted standby; either has every change.
REPLAYED = "SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn"


class ReplicaBlock:
    """One `replica_reads` block. Whether the replica serves it is decided at its first read
    (`use()`), so a block whose figures all come from the cache never contacts the replica."""

    def __init__(self, purpose: str, possible: bool):
        self.purpose = purpose
        self._use: bool | None = None if possible else False

    def use(self) -> bool:
        if self._use is None:
            self._use = _caught_up(self.purpose)
        return self._use


# The block the current thread or task is in (set by `replica_reads`).
_block: contextvars.ContextVar[ReplicaBlock | None] = contextvars.ContextVar("caunoi_replica_block", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def reading_from_replica() -> bool:
    """Whether an ORM read made now goes to the replica."""
    block = _block.get()
    return block is not None and not connections[DEFAULT_DB_ALIAS].in_atomic_block and block.use()


@contextlib.contextmanager
def replica_reads(purpose: str) -> Iterator[ReplicaBlock]:
    """Inside the block, reads go to the replica when it is configured and has caught up with
    the primary; `block.use()` says whether they do. `purpose` names the caller in the log. A
    block opened inside a transaction reads the primary."""
    possible = replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    block = ReplicaBlock(purpose, possible)
    token = _block.set(block)
    try:
        yield block
    finally:
        _block.reset(token)


def _caught_up(purpose: str) -> bool:
    """Wait until the replica has replayed the primary's WAL as flushed now; False (logged) if
    it does not within DATABASE_REPLICA_WAIT_MS or cannot be asked."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()")
            target = cursor.fetchone()[0]
        deadline = time.monotonic() + settings.DATABASE_REPLICA_WAIT_MS / 1000
        with connections[REPLICA].cursor() as cursor:
            while True:
                cursor.execute(REPLAYED, [str(target)])
                if cursor.fetchone()[0]:
                    return True
                if time.monotonic() >= deadline:
                    log.warning(
                        "replica behind the primary after %s ms: %s reads the primary",
                        settings.DATABASE_REPLICA_WAIT_MS,
                        purpose,
                    )
                    return False
                time.sleep(0.01)
    except DatabaseError as error:
        log.warning("replica unavailable (%s): %s reads the primary", error, purpose)
        return False


class ReplicaRouter:
    """Reads inside `replica_reads` to the replica; every other read, every write and every
    migration to the primary. Installed only when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model, **hints) -> str:
        # Explicitly the primary otherwise: an object read inside the block must not pull its
        # related objects from the replica later (Django would follow the instance's alias).
        return REPLICA if reading_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
