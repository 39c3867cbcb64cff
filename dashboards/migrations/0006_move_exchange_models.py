"""The export and import jobs and the HTCDS statements now belong to `exchange` (decision 146).

State only: `exchange` 0001 took the models over with their tables, so deleting them here
drops nothing. The one write is to `django_content_type`: the models' rows there are renamed
to the `exchange` app, so the permissions, admin log entries and object permissions that point
at them follow, and no second row is made for the same table. Reversible."""

from django.db import migrations

MOVED = ("exportjob", "importjob", "htcdsstatement")


def relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # already there (made by a migrate that ran without this step): keep it
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


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
