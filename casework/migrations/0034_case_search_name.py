"""The person's search name copied onto the case row, kept by the database, and carried in the
newest-first index: a name search then walks that index alone, without reading a case or a
person row for every case it passes (issue 18, docs/decisions.md 335).

The triggers are those of `casework.search_name_triggers`, which every later `migrate` installs
again where they are missing. Not atomic: on PostgreSQL the copy rewrites every case row once,
and the VACUUM after it (which no transaction may hold) marks the pages all-visible again, so
the index can answer alone."""

from django.db import migrations, models

from casework import search_name_triggers

FILL = {
    "postgresql": """UPDATE casework_case c SET search_name = p.search_name
        FROM casework_person p WHERE p.id = c.person_id AND c.search_name IS DISTINCT FROM p.search_name""",
    "sqlite": """UPDATE casework_case SET search_name =
        COALESCE((SELECT p.search_name FROM casework_person p WHERE p.id = casework_case.person_id), '')""",
}


def create_triggers(apps, schema_editor):
    for statement in search_name_triggers.INSTALL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    for statement in search_name_triggers.REMOVE.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def fill(apps, schema_editor):
    statement = FILL.get(schema_editor.connection.vendor)
    if statement:
        schema_editor.execute(statement, params=None)


def vacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and not schema_editor.connection.in_atomic_block:
        schema_editor.execute("VACUUM (ANALYZE) casework_case", params=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0033_note_case_newest"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=600),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="case",
            name="case_newest",
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["-created_at", "-id"], include=("owning_agency", "search_name"), name="case_newest"
            ),
        ),
        migrations.RunPython(vacuum, migrations.RunPython.noop),
    ]
