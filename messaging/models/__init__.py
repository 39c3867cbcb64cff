from .notifications import Notification
from .outbox import OutboxMessage

__all__ = ["Notification", "OutboxMessage"]
