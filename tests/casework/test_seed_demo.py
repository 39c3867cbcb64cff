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
