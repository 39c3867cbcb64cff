"""Known answers: fictional data built from the figures the ministry published (docs/domain.md §7)
gives those figures back exactly, to a mandated supervisor, on the page and in the export."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from casework.models import Case, Offender, PersonStatus, Province, ReturnMode, Role, Sex, StatisticsScope
from dashboards.scope import Filters, Scope
from dashboards.stats import must_suppress, statistics_for, statistics_table_rows
from tests.fixtures.personas import make_agency, make_user, sign_in
from tests.fixtures.published import RECEIVED, Group, bulk_cases, bulk_incidents, bulk_offenders

FEMALE, MALE = Sex.FEMALE, Sex.MALE
H1_2024 = Filters(date_from=datetime.date(2024, 1, 1), date_to=datetime.date(2024, 6, 30))


@pytest.fixture
def police(reference_data):
    agency = make_agency("pub-police", "police", "LCA")
    agency.statistics_scope = StatisticsScope.PROVINCE
    agency.save()
    return agency


def _lao_cai():
    return Province.objects.get(code="LCA")


def _mandated(scope: Scope, filters: Filters = H1_2024) -> dict:
    """The figures a supervisor of the agency sees (decision 91)."""
    return statistics_for(scope, filters, suppress=must_suppress(scope, role=Role.SUPERVISOR)).figures()


def build_2019_2022(police) -> None:
    """892 incidents, 956 offenders, 95 % of incidents cross-border, more than 90 % of victims
    women and children (1,000 victims: 905 women and children)."""
    incidents = bulk_incidents(police, 892)
    first_victims = [
        # incidents 0–846: taken abroad
        Group(500, FEMALE, destination="CN"),
        Group(200, FEMALE, child=True, destination="CN"),
        Group(50, MALE, child=True, destination="KH"),
        Group(97, FEMALE, destination="LA"),
        # incidents 847–891: within Vietnam
        Group(45, MALE, destination="VN"),
    ]
    more_victims = [Group(50, MALE, destination="CN"), Group(50, FEMALE, child=True, destination="CN"), Group(8)]
    bulk_cases(police, _lao_cai(), first_victims + more_victims, incidents + incidents[:108])
    bulk_offenders(
        incidents,
        [
            (500, Offender.Stage.CONVICTED),
            (200, Offender.Stage.PROSECUTED),
            (200, Offender.Stage.ARRESTED),
            (40, Offender.Stage.AT_LARGE),
            (16, ""),
        ],
    )


def test_2019_2022_incidents_offenders_cross_border_and_women_and_children(police):
    build_2019_2022(police)
    figures = _mandated(Scope.of(police))
    assert (figures["incidents"], figures["offenders"], figures["victims"]) == (892, 956, 1000)
    # "95 % of cases cross-border"
    assert (figures["incidents.cross_border"], figures["incidents.domestic"]) == (847, 45)
    assert figures["incidents.destination_none"] == 0
    assert figures["incidents.cross_border.share"] == 95.0
    assert (figures["incidents.destination.CN"], figures["incidents.destination.KH"]) == (700, 50)
    assert figures["incidents.destination.LA"] == 97
    # "more than 90 % of victims women and children"
    assert figures["women_and_children"] == 905
    assert figures["women_and_children.share"] == 90.5
    assert (figures["sex_child.female.child"], figures["sex_child.female.adult"]) == (250, 605)
    assert (figures["sex_child.male.child"], figures["sex_child.male.adult"]) == (50, 95)
    assert figures["child_victims"] == 300 and figures["adult_victims"] == 700
    # Offenders by the furthest stage reached; each stage counts those who went further.
    assert (figures["offenders.arrested"], figures["offenders.prosecuted"], figures["offenders.convicted"]) == (
        900,
        700,
        500,
    )
    assert (figures["offenders.at_large"], figures["offenders.stage_none"]) == (40, 16)


def test_h1_2024_incidents_and_child_victims_are_shown_whole_to_the_mandated(police):
    """ "50 cases involving 126 victims, of which 48 cases with 121 child victims": a
    provincial supervisor sees all four although 2 incidents and 5 victims are the remainders;
    for sharing, a figure of each pair is hidden."""
    incidents = bulk_incidents(police, 50)
    groups = [
        Group(48, FEMALE, child=True),  # one child in each of incidents 0–47
        Group(2, FEMALE),  # incidents 48 and 49: adults only
        Group(73, FEMALE, child=True),  # more children in incidents 0–47
        Group(3, MALE),  # adults in incidents 0–2
    ]
    linked = incidents + [incidents[n % 48] for n in range(73)] + incidents[:3]
    bulk_cases(police, _lao_cai(), groups, linked)
    scope = Scope.of(police)
    figures = _mandated(scope)
    assert (figures["incidents"], figures["victims"]) == (50, 126)
    assert (figures["incidents_with_child_victims"], figures["child_victims"]) == (48, 121)
    shared = statistics_for(scope, H1_2024, suppress=must_suppress(scope, role=Role.SUPERVISOR, shared=True))
    shown = shared.figures()
    assert None in (shown["incidents"], shown["incidents_with_child_victims"])
    assert None in (shown["victims"], shown["child_victims"])
    # Decision 91: of a headline whose remainder is small, the part goes and the total stays.
    assert (shown["incidents"], shown["victims"]) == (50, 126)
    assert (shown["incidents_with_child_victims"], shown["child_victims"]) == (None, None)
    # An administrator of the agency has no statistics mandate: suppressed too.
    assert must_suppress(scope, role=Role.AGENCY_ADMIN)


def test_2012_2018_return_modes_count_everyone_received(police):
    """ "3,090 victims and suspected victims; 2,571 returned home, 1,237 of them on their own"."""
    victim, pending = PersonStatus.VICTIM, PersonStatus.IN_IDENTIFICATION
    modes = [
        ReturnMode.SELF_RETURNED,
        ReturnMode.RESCUED,
        ReturnMode.HANDED_OVER,
        ReturnMode.NOT_APPLICABLE,
        "",
    ]
    groups = [
        Group(count, status=status, returned=mode)
        for status, counts in ((victim, (800, 500, 400, 250, 50)), (pending, (437, 200, 234, 150, 69)))
        for count, mode in zip(counts, modes, strict=True)
    ]
    bulk_cases(police, _lao_cai(), groups)
    figures = _mandated(Scope.of(police))
    assert (figures["received"], figures["victims"], figures["in_identification"]) == (3090, 2000, 1090)
    assert figures["return_all.returned"] == 2571
    assert figures["return_all.self_returned"] == 1237
    assert (figures["return_all.rescued"], figures["return_all.handed_over"]) == (700, 634)
    assert (figures["return_all.not_applicable"], figures["return_all.none"]) == (400, 119)
    # The victims' own table still counts victims only.
    assert figures["return.self_returned"] == 800


def test_the_new_tables_are_on_the_page_in_vietnamese_and_in_the_export(police):
    build_2019_2022(police)
    supervisor = make_user("pub.supervisor", police, Role.SUPERVISOR)
    response = sign_in(supervisor).get(
        reverse("dashboards:statistics"), {"date_from": "2024-01-01", "date_to": "2024-06-30"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and not response.context["stats"].suppressed
    for table in ("incident_destination", "sex_child", "offender_stage", "return_all"):
        assert f'data-testid="table-{table}"' in page
    assert 'data-testid="figure-incidents.cross_border.share">95,0 %' in page
    assert "Số vụ theo nơi đến" in page and "Phụ nữ và trẻ em" in page and "Bị bắt" in page
    with translation.override("en"):
        rows = statistics_table_rows(Scope.of(police), H1_2024, suppress=False)
    assert ["Incidents by destination", "  Cross-border share of incidents whose destination is recorded", 95.0] in rows
    assert ["Victims by sex, children and adults", "Women and children", 905] in rows
    assert ["Offenders by stage of the proceedings", "  Arrested", 900] in rows
    assert ["People received by how they returned", "  returned on their own", 0] in rows


def test_incidents_whose_victims_went_to_several_countries_count_in_each(police):
    incident = bulk_incidents(police, 1)[0]
    bulk_cases(police, _lao_cai(), [Group(1, destination="CN"), Group(1, destination="LA")], [incident, incident])
    figures = statistics_for(Scope.of(police), H1_2024, suppress=False).figures()
    assert figures["incidents.cross_border"] == 1
    assert figures["incidents.destination.CN"] == figures["incidents.destination.LA"] == 1
    assert Case.objects.filter(incident=incident).count() == 2
    assert RECEIVED.date() >= H1_2024.date_from


def test_the_dashboard_shows_the_published_shares_to_the_mandated_only(police):
    build_2019_2022(police)
    period = {"date_from": "2024-01-01", "date_to": "2024-06-30"}
    supervisor = make_user("pub.supervisor", police, Role.SUPERVISOR)
    response = sign_in(supervisor).get(reverse("dashboards:dashboard"), period)
    data = response.context["data"]
    assert (data.women_and_children_share, data.cross_border_share) == (90.5, 95.0)
    page = response.content.decode()
    assert 'data-testid="cross-border-share">95,0 %' in page
    assert "Phụ nữ và trẻ em trong số nạn nhân được tiếp nhận" in page
    admin = make_user("pub.admin", police, Role.AGENCY_ADMIN)
    response = sign_in(admin).get(reverse("dashboards:dashboard"), period)
    assert response.context["data"].suppressed
    assert response.context["data"].cross_border_share is None
    assert 'data-testid="published-shares"' not in response.content.decode()
