"""The support models, moved from casework (docs/decisions.md 142). State only: their tables
were created by casework's migrations 0008-0018 and keep their names (`casework_<model>`),
with their rows, constraints, indexes and the payment ledger's PostgreSQL trigger."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("casework", "0021_historic_cases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarDay",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="name (Vietnamese)")),
                        ("name_en", models.CharField(max_length=200, verbose_name="name (English)")),
                        ("date", models.DateField(unique=True, verbose_name="date")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("holiday", "public holiday"), ("working", "working day in exchange")],
                                default="holiday",
                                max_length=10,
                                verbose_name="kind",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "calendar day",
                        "verbose_name_plural": "calendar days",
                        "db_table": "casework_calendarday",
                        "ordering": ["date"],
                    },
                ),
                migrations.CreateModel(
                    name="SupportItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="name (Vietnamese)")),
                        ("name_en", models.CharField(max_length=200, verbose_name="name (English)")),
                        ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                        (
                            "regime",
                            models.CharField(
                                choices=[
                                    ("law_2011", "Law 66/2011 (identified before 01/07/2025)"),
                                    ("law_2024", "Law 53/2024 (identified from 01/07/2025)"),
                                ],
                                max_length=10,
                                verbose_name="legal regime",
                            ),
                        ),
                        (
                            "point",
                            models.CharField(
                                blank=True,
                                help_text="The letter of the article's point.",
                                max_length=4,
                                verbose_name="point",
                            ),
                        ),
                        ("legal_basis", models.CharField(max_length=300, verbose_name="legal basis")),
                        (
                            "amount_kind",
                            models.CharField(
                                choices=[
                                    ("in_kind", "in kind or as a service"),
                                    ("fixed", "fixed amount"),
                                    ("per_day", "amount per day"),
                                    ("coefficient", "multiple of the standard social assistance level"),
                                ],
                                max_length=12,
                                verbose_name="how the amount is set",
                            ),
                        ),
                        (
                            "cap_days",
                            models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="at most (days)"),
                        ),
                        ("extendable", models.BooleanField(default=False, verbose_name="cap extendable by decision")),
                        ("claim_form", models.CharField(blank=True, max_length=60, verbose_name="claim form")),
                        (
                            "decision_working_days",
                            models.PositiveSmallIntegerField(
                                blank=True, null=True, verbose_name="decision due (working days)"
                            ),
                        ),
                        (
                            "claim_within_months",
                            models.PositiveSmallIntegerField(
                                blank=True, null=True, verbose_name="claim within (months of identification)"
                            ),
                        ),
                        (
                            "poor_household_only",
                            models.BooleanField(default=False, verbose_name="only for poor households"),
                        ),
                        (
                            "counts_shelter_days",
                            models.BooleanField(
                                default=False,
                                help_text="Days used are counted from shelter stays and essential-needs services.",
                                verbose_name="days come from shelter stays",
                            ),
                        ),
                        (
                            "deciding_role",
                            models.CharField(
                                choices=[
                                    ("caseworker", "caseworker"),
                                    ("shelter_staff", "shelter staff"),
                                    ("supervisor", "supervisor"),
                                    ("agency_admin", "agency administrator"),
                                ],
                                default="supervisor",
                                max_length=20,
                                verbose_name="decided by the role",
                            ),
                        ),
                        ("sort_order", models.PositiveSmallIntegerField(default=0)),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                        (
                            "deciding_kind",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="casework.agencykind",
                                verbose_name="decided by agencies of kind",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "support item",
                        "verbose_name_plural": "support items",
                        "db_table": "casework_supportitem",
                        "ordering": ["regime", "sort_order", "code"],
                    },
                ),
                migrations.CreateModel(
                    name="EligibilityRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("person_statuses", models.JSONField(default=list, verbose_name="person statuses")),
                        (
                            "nationality",
                            models.CharField(
                                choices=[
                                    ("any", "any"),
                                    ("vietnamese", "Vietnamese citizen or stateless resident"),
                                    ("foreign", "foreigner trafficked in Vietnam"),
                                ],
                                default="any",
                                max_length=12,
                                verbose_name="nationality",
                            ),
                        ),
                        (
                            "whereabouts",
                            models.CharField(
                                choices=[("any", "anywhere"), ("in_vietnam", "in Vietnam"), ("abroad", "abroad")],
                                default="any",
                                max_length=12,
                                verbose_name="where the person is",
                            ),
                        ),
                        ("case_by_case", models.BooleanField(default=False, verbose_name="decided case by case")),
                        ("reason", models.CharField(max_length=300, verbose_name="reason (Vietnamese)")),
                        ("reason_en", models.CharField(max_length=300, verbose_name="reason (English)")),
                        (
                            "item",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rules",
                                to="support.supportitem",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "eligibility rule",
                        "verbose_name_plural": "eligibility rules",
                        "db_table": "casework_eligibilityrule",
                        "ordering": ["item", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="Claim",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("filed_on", models.DateField(verbose_name="filed on")),
                        ("documents", models.TextField(verbose_name="documents provided")),
                        (
                            "amount_requested_vnd",
                            models.PositiveBigIntegerField(
                                blank=True, null=True, verbose_name="amount requested (VND)"
                            ),
                        ),
                        ("due_on", models.DateField(blank=True, null=True, verbose_name="decision due")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("filed", "filed, awaiting decision"),
                                    ("approved", "approved"),
                                    ("refused", "refused"),
                                ],
                                default="filed",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided at")),
                        ("decision_reason", models.TextField(blank=True, verbose_name="reason for the decision")),
                        (
                            "amount_decided_vnd",
                            models.PositiveBigIntegerField(blank=True, null=True, verbose_name="amount decided (VND)"),
                        ),
                        ("overdue_flagged_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="claims", to="casework.case"
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "deciding_agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="claims_to_decide",
                                to="casework.agency",
                                verbose_name="deciding agency",
                            ),
                        ),
                        (
                            "filed_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "item",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="claims",
                                to="support.supportitem",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "claim",
                        "verbose_name_plural": "claims",
                        "db_table": "casework_claim",
                        "ordering": ["-filed_on", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="CapExtension",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("extra_days", models.PositiveSmallIntegerField(verbose_name="extra days")),
                        ("decision_number", models.CharField(max_length=80, verbose_name="decision number")),
                        ("decided_by", models.CharField(max_length=200, verbose_name="decided by")),
                        ("decided_on", models.DateField(verbose_name="decided on")),
                        ("reason", models.TextField(verbose_name="reason")),
                        ("recorded_at", models.DateTimeField()),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cap_extensions",
                                to="casework.case",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "item",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="support.supportitem"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "extension of a cap",
                        "verbose_name_plural": "extensions of a cap",
                        "db_table": "casework_capextension",
                        "ordering": ["decided_on", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="StandardLevel",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("effective_from", models.DateField(verbose_name="effective from")),
                        ("amount_vnd", models.PositiveIntegerField(verbose_name="amount (VND a month)")),
                        ("legal_basis", models.CharField(max_length=300, verbose_name="legal basis")),
                        (
                            "province",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="casework.province",
                                verbose_name="province",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "standard social assistance level",
                        "verbose_name_plural": "standard social assistance levels",
                        "db_table": "casework_standardlevel",
                        "ordering": ["province", "-effective_from"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("province__isnull", True)),
                                fields=("effective_from",),
                                name="standard_level_national_once",
                            ),
                            models.UniqueConstraint(
                                fields=("province", "effective_from"), name="standard_level_province_once"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Payment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("amount_vnd", models.BigIntegerField(verbose_name="amount (VND)")),
                        ("paid_on", models.DateField(verbose_name="paid on")),
                        ("receipt_ref", models.CharField(max_length=80, verbose_name="receipt reference")),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        ("recorded_at", models.DateTimeField()),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="payments", to="casework.case"
                            ),
                        ),
                        (
                            "claim",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="payments",
                                to="support.claim",
                            ),
                        ),
                        (
                            "payer_agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="casework.agency",
                                verbose_name="paid by",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "reverses",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="reversed_by",
                                to="support.payment",
                            ),
                        ),
                        (
                            "item",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="support.supportitem"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "payment",
                        "verbose_name_plural": "payments",
                        "db_table": "casework_payment",
                        "ordering": ["paid_on", "id"],
                        "indexes": [models.Index(fields=["payer_agency", "paid_on"], name="payment_agency_day")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("reverses__isnull", True), ("amount_vnd__gt", 0)),
                                    models.Q(("reverses__isnull", False), ("amount_vnd__lt", 0)),
                                    _connector="OR",
                                ),
                                name="payment_positive_or_reversal",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ItemRate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("effective_from", models.DateField(verbose_name="effective from")),
                        ("amount_vnd", models.PositiveIntegerField(blank=True, null=True, verbose_name="amount (VND)")),
                        (
                            "coefficient",
                            models.DecimalField(
                                blank=True, decimal_places=2, max_digits=6, null=True, verbose_name="coefficient"
                            ),
                        ),
                        ("legal_basis", models.CharField(max_length=300, verbose_name="legal basis")),
                        (
                            "province",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="casework.province",
                                verbose_name="province",
                            ),
                        ),
                        (
                            "item",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rates",
                                to="support.supportitem",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "support rate",
                        "verbose_name_plural": "support rates",
                        "db_table": "casework_itemrate",
                        "ordering": ["item", "province", "-effective_from"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("amount_vnd__isnull", True), ("coefficient__isnull", True), _connector="OR"
                                ),
                                name="item_rate_amount_or_coefficient",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("province__isnull", True)),
                                fields=("item", "effective_from"),
                                name="item_rate_national_once",
                            ),
                            models.UniqueConstraint(
                                fields=("item", "province", "effective_from"), name="item_rate_province_once"
                            ),
                        ],
                    },
                ),
                migrations.AddIndex(
                    model_name="claim",
                    index=models.Index(fields=["deciding_agency", "status", "due_on"], name="claim_agency_due"),
                ),
            ],
        ),
    ]
