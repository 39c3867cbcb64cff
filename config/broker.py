"""The Redis broker transport, with one fix that keeps the worker alive through a Redis restart.

With late acknowledgement (`CELERY_TASK_ACKS_LATE`), a worker that loses Redis while a message is
in flight closes its channel, and kombu's Redis QoS then tries to put the unacknowledged message
back — or a finishing task acknowledges its message — through a connection that is already
gone. kombu then raises `AttributeError` ('NoneType' object has no attribute 'hostname' or
'client') instead of a connection error, nothing expects it, and the worker exits with
"Unrecoverable error" (measured: an exit within 6–8 restarts with tasks flowing).

Here that state raises a connection error, which kombu and Celery handle: the consumer
reconnects, a failed restore or ack is logged. Nothing is lost by that: the message is still in
Redis's unacknowledged set (delivered again after the visibility timeout; every task is
idempotent) or gone with a Redis that restarted empty, and every task whose loss matters is backed
by a database row that the outbox relay and the deadline sweeps publish again
(docs/architecture.md, Flow B).
"""

import redis
from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        # A channel whose connection was torn down (Redis went away) has no connection, or one
        # without a client; kombu then fails with AttributeError, which nothing expects. A
        # connection error is what callers handle: the consumer reconnects, a late ack is logged.
        if self.connection is None or self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection is closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


def install() -> None:
    """Make `redis://` broker URLs use this transport (web, worker and beat alike)."""
    TRANSPORT_ALIASES["redis"] = f"{__name__}:Transport"
