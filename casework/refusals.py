"""How an action says no: `CaseworkError` carries the message shown to the user as it is, and
`audited_refusals` writes the `refused` audit row of an action that raised it, after the
action's transaction has rolled back. Every app's actions refuse this way (they import both
from `casework.actions`)."""

from functools import wraps

from casework import audit
from casework.models import AuditEvent, Case, User


class CaseworkError(Exception):
    """A refused action; the message is shown to the user as it is. `field` names the form
    field the refusal is about, where there is one: a form shows the message beside it."""

    def __init__(self, message="", *, field: str = ""):
        super().__init__(message)
        self.field = field


def audited_refusals(error_class: type[CaseworkError]):
    """A decorator for actions whose first argument is a case or has `.case`: when the action
    refuses (raises `error_class`), write the `refused` audit row after its transaction has
    rolled back, then re-raise."""

    def decorator(action):
        @wraps(action)
        def wrapper(subject, *args, actor: User, **kwargs):
            try:
                return action(subject, *args, actor=actor, **kwargs)
            except error_class as error:
                case = subject if isinstance(subject, Case) else subject.case
                audit.record(
                    AuditEvent.Action.REFUSED,
                    actor=actor,
                    case=case,
                    detail={"action": action.__name__, "reason": str(error)},
                )
                raise

        return wrapper

    return decorator
