"""Messaging: in-app notifications, their e-mails and the transactional task outbox.

The public API is `messaging.notify` (write, list and render notifications; who holds a role in
an agency) and `messaging.outbox` (dispatch a Celery task in the caller's transaction). It
imports casework only: the apps to its right say who is told of what (decision 144)."""
