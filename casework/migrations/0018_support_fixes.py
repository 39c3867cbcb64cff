"""Support-law fixes (issue 14): the 2011 regime's legal aid and loans (Law 66/2011 art. 32), and
Decree 09/2013's legal basis without an amendment docs/domain.md does not source."""

from django.db import migrations


def reload_catalogue(apps, schema_editor):
    from support.catalogue import load_support_catalogue

    load_support_catalogue(apps, app_label="casework")


class Migration(migrations.Migration):
    dependencies = [("casework", "0017_lead_history_and_competent_bodies")]

    operations = [migrations.RunPython(reload_catalogue, migrations.RunPython.noop)]
