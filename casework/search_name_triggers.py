"""The triggers that keep each case's copy of its person's search name (decision 335).

`casework_case.search_name` is written by the database only: on every insert of a case, every
change of its person, and every change of the person's name; whatever else is written there
is replaced. Migration 0034 installs them, and every `migrate` installs them again where they
are missing (`ensure`, on `post_migrate`): SQLite rebuilds a table for many schema changes,
and its triggers go with the old table.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION casework_case_copy_name() RETURNS trigger AS $$
BEGIN
    NEW.search_name := COALESCE((SELECT p.search_name FROM casework_person p WHERE p.id = NEW.person_id), '');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER casework_case_copy_name
    BEFORE INSERT OR UPDATE OF person_id, search_name ON casework_case
    FOR EACH ROW EXECUTE FUNCTION casework_case_copy_name()""",
    """CREATE OR REPLACE FUNCTION casework_person_pass_name() RETURNS trigger AS $$
BEGIN
    UPDATE casework_case SET search_name = NEW.search_name
        WHERE person_id = NEW.id AND search_name IS DISTINCT FROM NEW.search_name;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER casework_person_pass_name
    AFTER UPDATE OF search_name ON casework_person
    FOR EACH ROW WHEN (OLD.search_name IS DISTINCT FROM NEW.search_name)
    EXECUTE FUNCTION casework_person_pass_name()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS casework_person_pass_name ON casework_person",
    "DROP FUNCTION IF EXISTS casework_person_pass_name()",
    "DROP TRIGGER IF EXISTS casework_case_copy_name ON casework_case",
    "DROP FUNCTION IF EXISTS casework_case_copy_name()",
]

# SQLite cannot assign NEW in a trigger: the row is written again after it (recursive triggers
# are off, so that second write does not fire the case's triggers once more).
SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS casework_case_copy_name_insert AFTER INSERT ON casework_case
    BEGIN
        UPDATE casework_case
            SET search_name = COALESCE((SELECT p.search_name FROM casework_person p WHERE p.id = NEW.person_id), '')
            WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS casework_case_copy_name_update
    AFTER UPDATE OF person_id, search_name ON casework_case
    WHEN NEW.search_name IS NOT COALESCE((SELECT p.search_name FROM casework_person p WHERE p.id = NEW.person_id), '')
    BEGIN
        UPDATE casework_case
            SET search_name = COALESCE((SELECT p.search_name FROM casework_person p WHERE p.id = NEW.person_id), '')
            WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS casework_person_pass_name AFTER UPDATE OF search_name ON casework_person
    WHEN OLD.search_name IS NOT NEW.search_name
    BEGIN UPDATE casework_case SET search_name = NEW.search_name WHERE person_id = NEW.id; END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS casework_person_pass_name",
    "DROP TRIGGER IF EXISTS casework_case_copy_name_update",
    "DROP TRIGGER IF EXISTS casework_case_copy_name_insert",
]

INSTALL = {"postgresql": POSTGRESQL, "sqlite": SQLITE}
REMOVE = {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers, or replace them as they are (the statements are idempotent)."""
    with connection.cursor() as cursor:
        for statement in INSTALL.get(connection.vendor, []):
            cursor.execute(statement)


def remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in REMOVE.get(connection.vendor, []):
            cursor.execute(statement)


def ensure(sender, using: str = "default", **kwargs) -> None:
    """`post_migrate`: install the triggers where the cases' table has the copied column."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if "casework_case" not in tables:
            return
        columns = {column.name for column in connection.introspection.get_table_description(cursor, "casework_case")}
    if "search_name" in columns:
        install(connection)
