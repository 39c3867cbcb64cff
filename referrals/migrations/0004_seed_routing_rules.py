from django.db import migrations


def seed(apps, schema_editor):
    from referrals.seed import load_rules

    load_rules(apps)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0003_routing_outbox_notifications")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
