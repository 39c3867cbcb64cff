"""The export and import tasks keep the names they had before exchange was split out of
dashboards (decision 146): a message queued before an upgrade, or a beat entry, names the
task it runs, and a renamed task would leave it unrun."""

from django.conf import settings

from config.celery_app import app
from exchange import tasks

NAMES = {
    tasks.run_export: "dashboards.tasks.run_export",
    tasks.requeue_exports: "dashboards.tasks.requeue_exports",
    tasks.expire_exports: "dashboards.tasks.expire_exports",
    tasks.run_import: "dashboards.tasks.run_import",
    tasks.requeue_imports: "dashboards.tasks.requeue_imports",
}


def test_the_tasks_keep_their_names():
    assert {task.name for task in NAMES} == set(NAMES.values())
    for name in NAMES.values():
        assert app.tasks[name].run.__module__ == "exchange.tasks"


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(app.tasks)
