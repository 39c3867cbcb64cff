"""Django's database sessions, with the session read by a query compiled once per process.

Every signed-in request reads its session row; Django's store builds and compiles the same
`get()` each time. The row, the expiry check and everything else are Django's own
(`SESSION_ENGINE = "casework.session_store"`, decision 337).
"""

import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from casework.lib.fixed_query import FixedQuery

_unexpired_session = FixedQuery(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).order_by("pk")[:1],
    str,
    datetime.datetime,
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.model is not Session:  # a subclass with its own model: Django's way
            return super()._get_session_from_db()
        found = _unexpired_session(self.session_key, timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None
