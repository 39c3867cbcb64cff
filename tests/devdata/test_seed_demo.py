from io import StringIO

from django.core.management import call_command

from casework.models import Agency, AgencyKind, Case, CaseStatus, Membership, User


def test_seed_demo_is_idempotent_and_covers_every_persona_and_status(reference_data):
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    counts = (User.objects.count(), Agency.objects.count(), Case.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=second)
    assert counts == (User.objects.count(), Agency.objects.count(), Case.objects.count(), Membership.objects.count())
    output = first.getvalue()
    for username in ["canbo.congan", "canbo.bienphong", "canbo.baotro", "nhanvien.binhyen", "canbo.xa"]:
        assert username in output
    assert "giamsat.laocai" in output and "giamsat.hanoi" in output and "admin" in output
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    kinds_used = set(Agency.objects.values_list("kind__code", flat=True))
    assert kinds_used == set(AgencyKind.objects.values_list("code", flat=True))
    supervisors = Membership.objects.filter(role="supervisor").values_list("agency__province__code", flat=True)
    # Two provinces, and a national supervisor (no province) for the national statistics.
    assert set(supervisors) == {"LCA", "HN", None}
    assert Agency.objects.get(code="cuc-btxh").statistics_scope == "national"


def test_every_demo_agency_has_something_to_do(reference_data):
    """The demo tells the reception chain: each persona's agency has work waiting (issue 14)."""
    from referrals.access import INBOX_STATUSES
    from referrals.models import Referral
    from shelters.models import FollowUpVisit, Stay
    from support.queries import claims_to_decide

    call_command("seed_demo", stdout=StringIO())
    agencies = {agency.code: agency for agency in Agency.objects.all()}

    def inbox(code):
        return Referral.objects.filter(to_agency=agencies[code], status__in=INBOX_STATUSES).count()

    def leads_open(code):
        return Case.objects.filter(owning_agency=agencies[code]).exclude(status=CaseStatus.CLOSED).count()

    assert inbox("ubnd-batxat") >= 2  # a police self-report brought to it; a woman back home
    assert inbox("syt-laocai") >= 2 and leads_open("syt-laocai") >= 4
    assert inbox("ca-laocai") >= 1  # verification asked by Sở Y tế
    assert leads_open("bp-laocai") >= 1 and leads_open("ca-laocai") >= 1 and leads_open("ubnd-batxat") >= 1
    assert inbox("hpn-laocai") >= 1  # the Women's Union follows a reintegration
    assert inbox("ctxh-laocai") >= 1  # a placement routed to the facility nearest home
    house = agencies["binhyen-hanoi"]
    assert Stay.objects.filter(facility__agency=house, discharged_at__isnull=True).exists()
    assert FollowUpVisit.objects.filter(agency=house, outcome="").exists()
    # The Lào Cai social-protection supervisor decides a claim.
    supervisor = Membership.objects.get(user__username="giamsat.syt.laocai")
    assert supervisor.role == "supervisor" and supervisor.agency.code == "syt-laocai"
    assert claims_to_decide(supervisor.agency).filter(item__deciding_role=supervisor.role).exists()
    # Lead history and the competent body's decisions are there to be seen.
    assert Case.objects.filter(leads__ended_at__isnull=False).exists()
    assert Case.objects.filter(identification_agency__code="ca-laocai").count() >= 3
    assert Case.objects.filter(tasks__isnull=False).exists()
