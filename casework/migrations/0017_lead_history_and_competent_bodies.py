"""Data of the chain of responsibility (issue 14):

- every existing case gets its first lead period (its owning agency, from its registration);
- the agency kinds the law names as competent to identify victims (docs/domain.md §3);
- the 3-day verification limit leaves the `reported` status: it now runs from the social
  agency's reception (Case.verification_due_at), not from the first reception anywhere.
"""

from django.db import migrations

from casework.reference_data import COMPETENT_TO_IDENTIFY

FIRST_LEADS = """
INSERT INTO casework_caselead (case_id, agency_id, started_at, ended_at, reason, legal_basis, source_ref)
SELECT c.id, c.owning_agency_id, c.created_at, NULL, 'registered', '', ''
FROM casework_case c
WHERE NOT EXISTS (SELECT 1 FROM casework_caselead l WHERE l.case_id = c.id)
"""


def competent_bodies(apps, schema_editor):
    AgencyKind = apps.get_model("casework", "AgencyKind")
    for code, basis in COMPETENT_TO_IDENTIFY.items():
        AgencyKind.objects.filter(code=code).update(may_identify=True, identification_basis=basis)


def verification_clock(apps, schema_editor):
    StatusDeadline = apps.get_model("casework", "StatusDeadline")
    StatusDeadline.objects.filter(status="reported", hours=72).update(hours=None, legal_basis="")


class Migration(migrations.Migration):
    dependencies = [("casework", "0016_responsibility")]

    operations = [
        migrations.RunSQL(FIRST_LEADS, migrations.RunSQL.noop),
        migrations.RunPython(competent_bodies, migrations.RunPython.noop),
        migrations.RunPython(verification_clock, migrations.RunPython.noop),
    ]
