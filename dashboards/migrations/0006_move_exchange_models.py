"""The export and import jobs and the HTCDS statements now belong to `exchange` (decision 146).

State only: `exchange` 0001 took the models over with their tables, so deleting them here
drops nothing. The one write is to `django_content_type`: the models' rows there are renamed
to the `exchange` app, so the permissions, admin log entries and object permissions that point
at them follow, and no second row is made for the same table. Reversible.

A migrate run by code that has both apps makes content types for the models it knows after
every run, so a rollback to `dashboards` 0005 by the new code leaves `exchange` rows beside
the renamed-back ones. Going forward again, the original row is kept and renamed and the
one made meanwhile is deleted (with the default permissions made with it).
"""

from django.db import migrations

MOVED = ("exportjob", "importjob", "htcdsstatement")


def relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        original = ContentType.objects.filter(app_label=old, model=model).first()
        if original is None:
            continue  # a new database: the content type is made after the migrations
        ContentType.objects.filter(app_label=new, model=model).delete()
        original.app_label = new
        original.save(update_fields=["app_label"])


def to_exchange(apps, schema_editor):
    relabel(apps, "dashboards", "exchange")


def to_dashboards(apps, schema_editor):
    relabel(apps, "exchange", "dashboards")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("dashboards", "0005_import_mode"),
        ("exchange", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HtcdsStatement"),
                migrations.DeleteModel(name="ImportJob"),
                migrations.DeleteModel(name="ExportJob"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_exchange, to_dashboards, elidable=False),
    ]
