"""Referrals carry their case's province of reception (issue 18, docs/decisions.md 325): the
overdue open steps' index leads with it, so a provincial dashboard counts them from the index
alone, without the province's cases."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_province(apps, schema_editor):
    case = apps.get_model("casework", "Case").objects.filter(pk=OuterRef("case_id"))
    apps.get_model("referrals", "Referral").objects.update(
        case_province_id=Subquery(case.values("reception_province_id")[:1])
    )


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
        ("referrals", "0013_overdue_index_covers"),
    ]

    operations = [
        migrations.AddField(model_name="referral", name="case_province", field=province_field(null=True)),
        migrations.RunPython(copy_province, migrations.RunPython.noop),
        migrations.AlterField(model_name="referral", name="case_province", field=province_field(null=False)),
        migrations.RemoveIndex(model_name="referral", name="referral_overdue_open"),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(
                condition=models.Q(
                    ("overdue_flagged_at__isnull", False),
                    ("status__in", ["accepted", "handed_over", "received", "sent"]),
                ),
                fields=["case_province", "to_agency", "due_at"],
                include=("case", "escalated_at", "id"),
                name="referral_overdue_open",
            ),
        ),
    ]
