from django.db import migrations


def seed(apps, schema_editor):
    from referrals.seed import load_chain_of_responsibility

    load_chain_of_responsibility(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0007_lead_purposes_and_rule_targets"),
        ("casework", "0017_lead_history_and_competent_bodies"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
