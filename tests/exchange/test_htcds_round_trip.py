"""HTCDS round trip into an empty database: export everything, flush the database, import
the file and get the same official statistics (issue 6, "Done when")."""

import pytest
from django.core.management import call_command

from casework.models import Case, Incident, Offender, Person
from casework.reference_data import load_reference_data
from dashboards.stats import official_statistics
from tests.exchange.test_htcds import export_csv, export_xlsx, import_bytes
from tests.fixtures.personas import make_agency
from tests.fixtures.statistics import EXPECTED, build_statistics_world


@pytest.mark.parametrize("export", [export_xlsx, export_csv])
@pytest.mark.django_db(transaction=True)
def test_export_flush_import_gives_the_same_statistics(request, export):
    request.getfixturevalue("reference_data")
    build_statistics_world()
    before = official_statistics(Case.objects.all(), suppress=False).figures()
    counts = (Case.objects.count(), Incident.objects.count(), Offender.objects.count())
    content = export(Case.objects.all())

    call_command("flush", interactive=False, verbosity=0)
    assert not Case.objects.exists() and not Person.objects.exists()
    load_reference_data()  # provinces, countries, picklists: what the file's codes point to
    agency = make_agency("rt-target", "police", "LCA")
    report = import_bytes(content, agency, name="all.xlsx" if export is export_xlsx else "all.csv")

    assert report.ok, report.problems
    assert report.created == counts[0] and report.possible_duplicates == 0
    assert (Case.objects.count(), Incident.objects.count(), Offender.objects.count()) == counts
    after = official_statistics(Case.objects.all(), suppress=False).figures()
    assert after == before
    assert {key: after[key] for key in ("victims", "incidents", "offenders")} == {
        "victims": EXPECTED["victims"] + 2,  # March in Lào Cai, the 2025 victim, the Hà Nội one
        "incidents": EXPECTED["incidents"],
        "offenders": EXPECTED["offenders"],
    }
