"""Create or repair the two PostgreSQL roles (decision 175): an owner that owns every table and
runs `migrate`, and the application's role, which reads and writes rows but owns nothing, may
not TRUNCATE, and may only read and add rows of the append-only tables. Run it as a superuser
(DATABASE_URL of `postgres`) once, and again after every `migrate`: it is idempotent."""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Refused UPDATE and DELETE by a trigger as well (casework migrations 0002 and 0009).
APPEND_ONLY_TABLES = ("casework_auditevent", "casework_payment")
# The one column of an append-only table the application may update: a posted payment's copy
# of its case's province follows the case (decision 325; the trigger allows nothing else).
FOLLOWING_COLUMNS = {"casework_payment": "case_province_id"}
SCHEMA = "public"

# Relations and functions of the schema that no extension owns (pg_trgm's stay as they are).
OWNED_OBJECTS = """
SELECT c.relkind, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND pg_get_userbyid(c.relowner) <> %(owner)s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
ORDER BY c.relkind <> 'r', c.relname
"""
OWNED_FUNCTIONS = """
SELECT p.oid::regprocedure::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND pg_get_userbyid(p.proowner) <> %(owner)s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""
ALTER_KIND = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}


def _name(value: str) -> str:
    if not ROLE_NAME.match(value):
        raise CommandError(f"Not a plain role name: {value!r} (lower-case letters, digits and _).")
    return connection.ops.quote_name(value)


class Command(BaseCommand):
    help = (
        "Create the owner role (runs migrate, owns the tables) and the application's role (rows "
        "only: no TRUNCATE, no ownership, SELECT/INSERT on the audit log), and grant them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="caunoi_owner", help="owner role, used only by migrate")
        parser.add_argument("--app", default="caunoi", help="the web and worker processes' role")

    def handle(self, *args, owner: str, app: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        if owner == app:
            raise CommandError("The owner and the application's role must differ.")
        owner_q, app_q = _name(owner), _name(app)
        database = connection.ops.quote_name(connection.settings_dict["NAME"])
        with transaction.atomic(), connection.cursor() as cursor:
            for role in (owner, app):
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone() is None:
                    cursor.execute(f"CREATE ROLE {connection.ops.quote_name(role)} LOGIN")
            cursor.execute(
                "SELECT rolsuper OR rolbypassrls OR pg_has_role(%s, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                [app, owner, app],
            )
            if cursor.fetchone()[0]:
                raise CommandError(f"{app} is a superuser or a member of {owner}: it would hold the owner's rights.")

            cursor.execute(f"GRANT CONNECT ON DATABASE {database} TO {owner_q}, {app_q}")
            cursor.execute(f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC")
            cursor.execute(f"GRANT USAGE, CREATE ON SCHEMA {SCHEMA} TO {owner_q}")
            cursor.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {app_q}")

            # Whoever ran migrate until now (often the application's role) hands everything over.
            cursor.execute(OWNED_OBJECTS, {"schema": SCHEMA, "owner": owner})
            for kind, relation in cursor.fetchall():
                cursor.execute(f"ALTER {ALTER_KIND[kind]} {connection.ops.quote_name(relation)} OWNER TO {owner_q}")
            cursor.execute(OWNED_FUNCTIONS, {"schema": SCHEMA, "owner": owner})
            for (function,) in cursor.fetchall():
                cursor.execute(f"ALTER FUNCTION {function} OWNER TO {owner_q}")

            tables = f"ALL TABLES IN SCHEMA {SCHEMA}"
            cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {app_q}")
            cursor.execute(f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON {tables} FROM {app_q}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {app_q}")
            for table in APPEND_ONLY_TABLES:
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.{table}"])
                if cursor.fetchone()[0]:
                    cursor.execute(f"REVOKE UPDATE, DELETE ON {connection.ops.quote_name(table)} FROM {app_q}")
                    cursor.execute(
                        "SELECT 1 FROM information_schema.columns "
                        "WHERE table_schema = %s AND table_name = %s AND column_name = %s",
                        [SCHEMA, table, FOLLOWING_COLUMNS.get(table, "")],
                    )
                    if cursor.fetchone():  # not before the migration that adds it
                        column = connection.ops.quote_name(FOLLOWING_COLUMNS[table])
                        cursor.execute(f"GRANT UPDATE ({column}) ON {connection.ops.quote_name(table)} TO {app_q}")
            # Tables and sequences the owner creates in later migrations.
            defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {SCHEMA}"
            cursor.execute(f"{defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app_q}")
            cursor.execute(f"{defaults} GRANT USAGE, SELECT ON SEQUENCES TO {app_q}")
        self.stdout.write(
            f"{owner} owns the tables and runs migrate; {app} reads and writes rows, and only reads and "
            f"adds rows of {', '.join(APPEND_ONLY_TABLES)} (and moves a payment's copy of its case's "
            f"province). Set their passwords with \\password in psql."
        )
