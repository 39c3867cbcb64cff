"""Writing the generated rows: PostgreSQL's COPY through psycopg 3 where the database is
PostgreSQL, plain multi-row INSERTs otherwise (SQLite, for small test runs).

Rows go in as tuples in the column order of `specs()`. Models' `save()`, signals and
`auto_now` never run: the generator fills every column itself, including the values `save()`
would compute (a person's `search_name`, a case's `updated_at`).
"""

from collections import Counter
from collections.abc import Callable

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection

from casework.models import (
    Agency,
    AgencyGroup,
    Case,
    CaseEvent,
    CaseGrant,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Consent,
    Incident,
    Membership,
    Offender,
    Person,
    User,
)
from referrals.models import HandoverMinutes, Referral, ReferralEvent
from shelters.models import Bed, Facility, FollowUpVisit, Intake, Placement, ServiceRecord, Stay
from support.models import Claim, Payment

# The reference data `--reset` keeps (loaded by migrations or entered by an administrator), by
# model name: a model moved to another app is still reference data (the names are unique).
REFERENCE_MODELS = {
    "contenttype",
    "permission",
    "province",
    "formerprovince",
    "ethnicgroup",
    "country",
    "picklistvalue",
    "agencykind",
    "statusdeadline",
    "supportitem",
    "eligibilityrule",
    "standardlevel",
    "itemrate",
    "calendarday",
    "referralpurpose",
    "referralpurpose_sender_kinds",
    "referralpurpose_receiver_kinds",
    "referralpurpose_lead_receiver_kinds",
    "routingrule",
    "routingrule_sender_kinds",
}


def specs() -> dict[str, tuple[type, list[str]]]:
    """Table key → (model, columns in the order the generator writes them)."""
    return {
        "agency": (
            Agency,
            "id name name_en code kind_id province_id country_id parent_id is_active coordinates_province "
            "statistics_scope email phone",
        ),
        "group": (Group, "id name"),
        "agencygroup": (AgencyGroup, "id agency_id role group_id"),
        "user": (
            User,
            "id password last_login is_superuser username first_name last_name email is_staff is_active "
            "date_joined full_name",
        ),
        "user_groups": (User.groups.through, "user_id group_id"),
        "membership": (Membership, "user_id agency_id role agency_group_id is_active created_at"),
        "facility": (
            Facility,
            "id name name_en code kind agency_id province_id address phone takes_women takes_men takes_children "
            "takes_mothers_with_children services max_stay_months followup_months hold_hours is_active",
        ),
        "person": (
            Person,
            "id public_id full_name other_names search_name name_key sex birth_date birth_year ethnicity_id "
            "nationality_id document_type document_number home_province_id home_former_province_id home_address "
            "phone languages disability poor_household stateless_resident guardian_name guardian_relation "
            "guardian_phone home_commune_id created_at",
        ),
        "case": (
            Case,
            "id public_id reference person_id owning_agency_id assigned_to_id status status_changed_at "
            "person_status legal_regime came_to_notice return_mode received_at reception_province_id "
            "reception_place destination_country_id route absent_from absent_until is_child age_at_reception "
            "abroad accompanies_id incident_id identified_on identification_authority identification_document "
            "external_id due_at overdue_flagged_at closure_reason created_at updated_at reception_commune_id "
            "returned_on identification_agency_id identification_grounds verification_agency_id "
            "verification_started_at "
            "verification_due_at verification_concluded_at verification_outcome verification_flagged_at historic "
            "identification_officer_id identification_officer_name merged_into_id search_name",
        ),
        "case_exploitation_forms": (Case.exploitation_forms.through, "case_id picklistvalue_id"),
        "case_means_of_control": (Case.means_of_control.through, "case_id picklistvalue_id"),
        "case_recruitment_methods": (Case.recruitment_methods.through, "case_id picklistvalue_id"),
        "caseevent": (
            CaseEvent,
            "case_id kind old_status new_status reason actor_id agency_id sensitivity at recorded_at",
        ),
        "casegrant": (
            CaseGrant,
            "case_id group_id user_id classes can_change source source_ref granted_by_id granted_at revoked_at "
            "revoked_by_id purpose",
        ),
        "casegroupobjectpermission": (CaseGroupObjectPermission, "content_object_id group_id permission_id"),
        "caseuserobjectpermission": (CaseUserObjectPermission, "content_object_id user_id permission_id"),
        "incident": (Incident, "id public_id agency_id criminal_case_number stage summary created_at"),
        "offender": (
            Offender,
            "incident_id full_name sex birth_year nationality_id role_in_process relation_to_victim stage notes "
            "created_at",
        ),
        "consent": (
            Consent,
            "id case_id given_by representative_name classes agency_id agency_kind_id purpose given_on "
            "recorded_by_id recorded_at withdrawn_at withdrawn_by_id withdrawal_reason",
        ),
        "claim": (
            Claim,
            "id public_id case_id item_id deciding_agency_id filed_on filed_by_id documents amount_requested_vnd "
            "due_on status decided_at decided_by_id decision_reason amount_decided_vnd overdue_flagged_at "
            "case_province_id",
        ),
        "payment": (
            Payment,
            "case_id item_id claim_id amount_vnd paid_on payer_agency_id receipt_ref reverses_id note "
            "recorded_by_id recorded_at case_province_id",
        ),
        "referral": (
            Referral,
            "id public_id reference case_id purpose_id from_agency_id to_agency_id status status_changed_at note "
            "decline_reason assigned_to_id due_at overdue_flagged_at escalated_at escalated_to_id routing_rule_id "
            "redirected_to_id sent_by_id created_at urgent case_province_id",
        ),
        "referralevent": (ReferralEvent, "referral_id old_status new_status reason actor_id agency_id at"),
        "handoverminutes": (
            HandoverMinutes,
            "referral_id handed_over_at place sender_officers receiver_officers documents belongings "
            "person_wishes signed_by recorded_by_id recorded_at",
        ),
        "placement": (Placement, "id case_id facility_id reference accepted_at bed_id hold_until hold_released_at"),
        "stay": (
            Stay,
            "id public_id case_id facility_id bed_id source placement_id consent_id admitted_at admitted_by_id "
            "planned_end discharged_at discharged_by_id destination destination_detail discharge_reason "
            "admission_recorded_at discharge_recorded_at",
        ),
        "intake": (Intake, "stay_id sections saved_at completed_at completed_by_id"),
        "servicerecord": (
            ServiceRecord,
            "stay_id case_id kind provided_on days provider notes sensitivity recorded_by_id recorded_at",
        ),
        "followupvisit": (
            FollowUpVisit,
            "stay_id case_id agency_id months due_on visited_on outcome notes recorded_by_id reminded_at "
            "overdue_notified_at from_record",
        ),
        "bed": (Bed, "id facility_id room label is_active held_for_id held_until occupied_by_id"),
    }


def check_specs(table_specs) -> None:
    """Every column of every table is written (the id may be left to the database)."""
    for key, (model, columns) in table_specs.items():
        expected = {field.attname for field in model._meta.concrete_fields}
        given = set(columns.split())
        if given - expected or expected - given - {"id"}:
            raise ValueError(f"{key}: missing {sorted(expected - given - {'id'})}, unknown {sorted(given - expected)}")


# Models whose ids the generator chooses (others reference them), keyed as in `specs()`.
EXPLICIT_IDS = (
    "agency",
    "group",
    "agencygroup",
    "user",
    "facility",
    "bed",
    "person",
    "case",
    "incident",
    "consent",
    "claim",
    "referral",
    "placement",
    "stay",
)


class Writer:
    """Writes batches of rows per table; counts what it wrote."""

    def __init__(self):
        self.specs = specs()
        check_specs(self.specs)
        self.counts: Counter[str] = Counter()
        self.postgres = connection.vendor == "postgresql"
        self._converters: dict[str, list[Callable]] = {}

    def table(self, key: str) -> str:
        return self.specs[key][0]._meta.db_table

    def write(self, key: str, rows: list[tuple]) -> None:
        if not rows:
            return
        model, columns = self.specs[key]
        names = columns.split()
        quote = connection.ops.quote_name
        table, column_list = quote(model._meta.db_table), ", ".join(quote(name) for name in names)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                converters = self._converters.get(key) or self._make_converters(key, model, names)
                prepared = [
                    tuple(convert(value) for convert, value in zip(converters, row, strict=True)) for row in rows
                ]
                placeholders = ", ".join(["%s"] * len(names))
                # Table and column names come from the models, quoted; values are parameters.
                sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"  # noqa: S608
                cursor.executemany(sql, prepared)
        self.counts[key] += len(rows)

    def _make_converters(self, key: str, model, names: list[str]) -> list[Callable]:
        """For SQLite: each value as the field would store it (JSON arrives already encoded)."""
        fields = {field.attname: field for field in model._meta.concrete_fields}
        converters = []
        for name in names:
            field = fields[name]
            if field.get_internal_type() == "JSONField":
                converters.append(lambda value: value)
            else:
                converters.append(lambda value, field=field: field.get_db_prep_save(value, connection))
        self._converters[key] = converters
        return converters


# Foreign keys while loading -----------------------------------------------------------------------


def drop_foreign_keys(tables: list[str]) -> list[tuple[str, str, str]]:
    """PostgreSQL checks every inserted row's foreign keys one by one (and locks the parent
    row); dropping them for the load and adding them back validates each in one join, many
    times faster. Everything runs in the load's transaction, so a failure restores them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables],
        )
        constraints = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    return constraints


def restore_foreign_keys(constraints: list[tuple[str, str, str]]) -> None:
    by_table: dict[str, list[str]] = {}
    for table, name, definition in constraints:
        by_table.setdefault(table, []).append(f"ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
    with connection.cursor() as cursor:
        for table, additions in by_table.items():
            cursor.execute(f"ALTER TABLE {table} {', '.join(additions)}")


def reset_sequences(keys) -> None:
    table_specs = specs()
    models = [table_specs[key][0] for key in keys]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def analyze(tables: list[str]) -> None:
    """Fresh planner statistics after the load; outside a transaction also VACUUM, which sets
    the visibility map that index-only scans over the permission tables rely on."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


def first_leads() -> int:
    """Each seeded case's lead period: its owning agency since registration (the scale stories
    keep one owner per case; transfers of lead are not simulated)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO casework_caselead (case_id, agency_id, started_at, ended_at, reason, legal_basis, source_ref)
            SELECT c.id, c.owning_agency_id, c.received_at, NULL, 'registered', '', ''
            FROM casework_case c
            WHERE NOT EXISTS (SELECT 1 FROM casework_caselead l WHERE l.case_id = c.id)
            """
        )
        return cursor.rowcount


# Reset ----------------------------------------------------------------------------------------


def operational_tables() -> list[str]:
    """Every table of every installed app except the reference data (and the migrations' own
    catalogue): an app added later is emptied too."""
    tables = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.model_name not in REFERENCE_MODELS and not model._meta.proxy and model._meta.managed:
            tables.append(model._meta.db_table)
    return sorted(set(tables))


def flush_operational_data() -> None:
    """Empty every operational table: on PostgreSQL one TRUNCATE (the audit and ledger
    triggers refuse DELETE and UPDATE, not TRUNCATE: docs/decisions.md 7); on SQLite DELETEs."""
    statements = connection.ops.sql_flush(no_style(), operational_tables(), reset_sequences=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # TRUNCATE refuses tables with deferred foreign-key checks still queued in this
            # transaction (rows written earlier in it): run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    connection.ops.execute_sql_flush(statements)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
