"""Notification and OutboxMessage now belong to messaging (decision 144). Their tables stay
as they are (messaging 0001 declares the same tables by `db_table`), so this only removes
them from referrals' state, and renames their content types so that permissions and admin
log entries follow the models. Reversible: back to 0009, the content types are referrals'
again and the tables were never touched."""

from django.db import migrations

MOVED = ("notification", "outboxmessage")


def rename_content_types(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=old, model=model).exists():
            continue  # a new database: post_migrate creates the type under its app
        # A stale type under the new label (created by post_migrate while the code and the
        # database disagreed) would block the rename; it has nothing the old one lacks.
        ContentType.objects.filter(app_label=new, model=model).delete()
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    ContentType.objects.clear_cache()


def to_messaging(apps, schema_editor) -> None:
    rename_content_types(apps, "referrals", "messaging")


def to_referrals(apps, schema_editor) -> None:
    rename_content_types(apps, "messaging", "referrals")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("messaging", "0001_initial"),
        ("referrals", "0009_today_notification_kinds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="OutboxMessage"),
            ]
        ),
        migrations.RunPython(to_messaging, to_referrals),
    ]
