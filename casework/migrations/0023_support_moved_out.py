"""The support models moved to the `support` app (docs/decisions.md 142): here they leave
casework's state only. No table is dropped: `support` 0001 took them over under the same names.
The content types of the moved models move with them, so their permissions and admin log rows
stay attached."""

from django.db import migrations

MOVED = [
    "calendarday",
    "capextension",
    "claim",
    "eligibilityrule",
    "itemrate",
    "payment",
    "standardlevel",
    "supportitem",
]


def _relabel(apps, old: str, new: str) -> None:
    """Give the moved models' content types the new app label, unless one is there already."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def to_support(apps, schema_editor):
    _relabel(apps, "casework", "support")


def to_casework(apps, schema_editor):
    _relabel(apps, "support", "casework")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0022_two_factor"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("support", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="CalendarDay",
                ),
                migrations.RemoveField(
                    model_name="claim",
                    name="case",
                ),
                migrations.RemoveField(
                    model_name="claim",
                    name="decided_by",
                ),
                migrations.RemoveField(
                    model_name="claim",
                    name="deciding_agency",
                ),
                migrations.RemoveField(
                    model_name="claim",
                    name="filed_by",
                ),
                migrations.RemoveField(
                    model_name="claim",
                    name="item",
                ),
                migrations.RemoveField(
                    model_name="payment",
                    name="claim",
                ),
                migrations.RemoveField(
                    model_name="eligibilityrule",
                    name="item",
                ),
                migrations.RemoveField(
                    model_name="itemrate",
                    name="item",
                ),
                migrations.RemoveField(
                    model_name="itemrate",
                    name="province",
                ),
                migrations.RemoveField(
                    model_name="payment",
                    name="case",
                ),
                migrations.RemoveField(
                    model_name="payment",
                    name="item",
                ),
                migrations.RemoveField(
                    model_name="payment",
                    name="payer_agency",
                ),
                migrations.RemoveField(
                    model_name="payment",
                    name="recorded_by",
                ),
                migrations.RemoveField(
                    model_name="payment",
                    name="reverses",
                ),
                migrations.RemoveField(
                    model_name="standardlevel",
                    name="province",
                ),
                migrations.RemoveField(
                    model_name="supportitem",
                    name="deciding_kind",
                ),
                migrations.DeleteModel(
                    name="CapExtension",
                ),
                migrations.DeleteModel(
                    name="Claim",
                ),
                migrations.DeleteModel(
                    name="EligibilityRule",
                ),
                migrations.DeleteModel(
                    name="ItemRate",
                ),
                migrations.DeleteModel(
                    name="Payment",
                ),
                migrations.DeleteModel(
                    name="StandardLevel",
                ),
                migrations.DeleteModel(
                    name="SupportItem",
                ),
            ],
        ),
        migrations.RunPython(to_support, to_casework),
    ]
