from django.db import migrations


def seed(apps, schema_editor):
    from referrals.seed import load_purposes

    load_purposes(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("casework", "0002_postgres_and_reference_data"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
