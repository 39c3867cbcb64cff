"""The person's search name copied onto the case row, kept by the database, and carried in the
newest-first index: a name search then walks that index alone, without reading a case or a
person row for every case it passes (issue 18, docs/decisions.md 335).

Not atomic: on PostgreSQL the copy rewrites every case row once, and the VACUUM after it (which
no transaction may hold) marks the pages all-visible again, so the index can answer alone."""

from django.db import migrations, models

POSTGRESQL_TRIGGERS = """
CREATE OR REPLACE FUNCTION casework_case_copy_name() RETURNS trigger AS $$
BEGIN
    NEW.search_name := COALESCE((SELECT p.search_name FROM casework_person p WHERE p.id = NEW.person_id), '');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER casework_case_copy_name
    BEFORE INSERT OR UPDATE OF person_id, search_name ON casework_case
    FOR EACH ROW EXECUTE FUNCTION casework_case_copy_name();

CREATE OR REPLACE FUNCTION casework_person_pass_name() RETURNS trigger AS $$
BEGIN
    UPDATE casework_case SET search_name = NEW.search_name
        WHERE person_id = NEW.id AND search_name IS DISTINCT FROM NEW.search_name;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER casework_person_pass_name
    AFTER UPDATE OF search_name ON casework_person
    FOR EACH ROW WHEN (OLD.search_name IS DISTINCT FROM NEW.search_name)
    EXECUTE FUNCTION casework_person_pass_name();
"""

POSTGRESQL_TRIGGERS_REVERSE = """
DROP TRIGGER IF EXISTS casework_person_pass_name ON casework_person;
DROP FUNCTION IF EXISTS casework_person_pass_name();
DROP TRIGGER IF EXISTS casework_case_copy_name ON casework_case;
DROP FUNCTION IF EXISTS casework_case_copy_name();
"""

# SQLite cannot assign NEW in a trigger: the row is written again after it (recursive triggers
# are off, so that second write does not fire the case's triggers once more).
SQLITE_NAME = "COALESCE((SELECT p.search_name FROM casework_person p WHERE p.id = NEW.person_id), '')"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER casework_case_copy_name_insert AFTER INSERT ON casework_case
    BEGIN UPDATE casework_case SET search_name = {SQLITE_NAME} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER casework_case_copy_name_update AFTER UPDATE OF person_id, search_name ON casework_case
    WHEN NEW.search_name IS NOT {SQLITE_NAME}
    BEGIN UPDATE casework_case SET search_name = {SQLITE_NAME} WHERE id = NEW.id; END""",
    """CREATE TRIGGER casework_person_pass_name AFTER UPDATE OF search_name ON casework_person
    WHEN OLD.search_name IS NOT NEW.search_name
    BEGIN UPDATE casework_case SET search_name = NEW.search_name WHERE person_id = NEW.id; END""",
]
SQLITE_TRIGGERS_REVERSE = [
    "DROP TRIGGER IF EXISTS casework_person_pass_name",
    "DROP TRIGGER IF EXISTS casework_case_copy_name_update",
    "DROP TRIGGER IF EXISTS casework_case_copy_name_insert",
]

FILL = {
    "postgresql": """UPDATE casework_case c SET search_name = p.search_name
        FROM casework_person p WHERE p.id = c.person_id AND c.search_name IS DISTINCT FROM p.search_name""",
    "sqlite": """UPDATE casework_case SET search_name =
        COALESCE((SELECT p.search_name FROM casework_person p WHERE p.id = casework_case.person_id), '')""",
}


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRESQL_TRIGGERS] if vendor == "postgresql" else SQLITE_TRIGGERS if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = (
        [POSTGRESQL_TRIGGERS_REVERSE]
        if vendor == "postgresql"
        else SQLITE_TRIGGERS_REVERSE
        if vendor == "sqlite"
        else []
    )
    for statement in statements:
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
