"""Claims and payments carry their case's province of reception (issue 18, docs/decisions.md
325), so a provincial dashboard counts them by their own index instead of joining the
province's cases. The payment ledger's trigger lets that one column follow the case and
still refuses every other change."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

LEDGER_TRIGGER = """
CREATE OR REPLACE FUNCTION casework_payment_append_only() RETURNS trigger AS $$
BEGIN
    -- The copy of the case's province follows the case (decision 325); nothing else may change.
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'case_province_id') = (to_jsonb(OLD) - 'case_province_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'casework_payment is append-only (% refused): record a reversing entry', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

LEDGER_TRIGGER_BEFORE = """
CREATE OR REPLACE FUNCTION casework_payment_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'casework_payment is append-only (% refused): record a reversing entry', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def postgres_only(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def copy_province(apps, schema_editor):
    case = apps.get_model("casework", "Case").objects.filter(pk=OuterRef("case_id"))
    for name in ("Claim", "Payment"):
        model = apps.get_model("support", name)
        model.objects.update(case_province_id=Subquery(case.values("reception_province_id")[:1]))


def province_field(null: bool):
    return models.ForeignKey(
        db_index=False,
        editable=False,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="casework.province",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0033_note_case_newest"),
        ("support", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(postgres_only(LEDGER_TRIGGER), postgres_only(LEDGER_TRIGGER_BEFORE)),
        migrations.AddField(model_name="claim", name="case_province", field=province_field(null=True)),
        migrations.AddField(model_name="payment", name="case_province", field=province_field(null=True)),
        migrations.RunPython(copy_province, migrations.RunPython.noop),
        migrations.AlterField(model_name="claim", name="case_province", field=province_field(null=False)),
        migrations.AlterField(model_name="payment", name="case_province", field=province_field(null=False)),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                fields=["case_province", "status", "decided_at"],
                include=("amount_decided_vnd", "id"),
                name="claim_province_decided",
            ),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(
                fields=["case_province", "paid_on"], include=("amount_vnd", "case"), name="payment_province_day"
            ),
        ),
    ]
