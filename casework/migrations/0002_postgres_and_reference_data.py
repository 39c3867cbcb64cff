"""PostgreSQL-only structures, and the shipped reference data."""

from django.db import migrations

AUDIT_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION casework_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'casework_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER casework_auditevent_append_only
    BEFORE UPDATE OR DELETE ON casework_auditevent
    FOR EACH ROW EXECUTE FUNCTION casework_audit_append_only();
"""

AUDIT_APPEND_ONLY_REVERSE = """
DROP TRIGGER IF EXISTS casework_auditevent_append_only ON casework_auditevent;
DROP FUNCTION IF EXISTS casework_audit_append_only();
"""

TRIGRAM = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS casework_person_search_trgm
    ON casework_person USING gin (search_name gin_trgm_ops);
"""

TRIGRAM_REVERSE = "DROP INDEX IF EXISTS casework_person_search_trgm;"


def postgres_only(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def load(apps, schema_editor):
    from casework.reference_data import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [
        migrations.RunPython(postgres_only(AUDIT_APPEND_ONLY), postgres_only(AUDIT_APPEND_ONLY_REVERSE)),
        migrations.RunPython(postgres_only(TRIGRAM), postgres_only(TRIGRAM_REVERSE)),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
