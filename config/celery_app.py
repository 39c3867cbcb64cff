import os

from celery import Celery, signals

from config import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

broker.install()
app = Celery("caunoi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.celeryd_init.connect
def use_worker_statement_timeout(**_kwargs) -> None:
    """Workers run exports, imports and recomputes that may legitimately take longer than a page
    may: they connect with their own statement timeout, and with PostgreSQL's own parallel
    workers (a page's connections start none, decision 305). Set before the pool forks, so every
    worker process's connections carry it."""
    from django.conf import settings
    from django.db import connections

    from config.env import postgres_options

    for database in settings.DATABASES.values():  # the replica too (exports read it)
        if database["ENGINE"].endswith("postgresql"):
            database["OPTIONS"]["options"] = postgres_options(settings.DATABASE_WORKER_STATEMENT_TIMEOUT)
    connections.close_all()
