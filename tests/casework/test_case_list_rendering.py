"""The case list's rows (built in Python, casework.rows) and its filter bar (kept per process,
casework.case_filters.filter_bar): the markup the template gave, escaped, and nothing of one
user's search kept for another."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import case_filters
from casework.models import Agency
from tests.fixtures.personas import acting, make_case, sign_in

LIST = reverse("casework:case-list")


@pytest.fixture
def kept_filter_bars(settings):
    """The filter bar kept as in production (the test settings turn the choices cache off)."""
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 300
    case_filters.filter_bars.clear()
    yield
    case_filters.filter_bars.clear()


def test_a_row_shows_the_case_as_the_template_did(world):
    case = make_case(world.police, acting(world.owner), name="Nguyễn Thị Lan")
    body = sign_in(world.owner).get(LIST).content.decode()
    received = timezone.localtime(case.received_at).strftime("%d/%m/%Y")
    assert f'<td><a href="/cases/{case.public_id}/">{case.reference}</a></td>' in body
    assert "<td>Nguyễn Thị Lan</td>" in body
    assert f"<td>{case.get_status_display()}</td>" in body
    assert f"<td>{world.police.label}</td>" in body
    assert f"<td>{received}</td>" in body


def test_a_name_with_markup_is_escaped_in_the_row(world):
    make_case(world.police, acting(world.owner), name='<script>alert("x")</script> Lan')
    body = sign_in(world.owner).get(LIST).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Lan" in body


def test_an_empty_list_says_so(world):
    body = sign_in(world.owner).get(LIST, {"q": "không ai tên này"}).content.decode()
    assert '<td colspan="7" class="text-muted">Không có hồ sơ nào phù hợp với điều kiện lọc.</td>' in body


def test_the_row_badges_are_translated(world):
    make_case(world.police, acting(world.owner), name="Lê Thị Hoa", birth_year=2016)
    body = sign_in(world.owner).get(LIST).content.decode()
    assert '<td>Lê Thị Hoa <span class="badge text-bg-info">trẻ em</span></td>' in body


def test_the_kept_filter_bar_holds_no_search_and_shows_each_users_own(world, kept_filter_bars):
    make_case(world.police, acting(world.owner), name="Nguyễn Thị Lan")
    first = sign_in(world.owner).get(LIST, {"q": "nguyen thi lan"}).content.decode()
    second = sign_in(world.owner).get(LIST, {"q": "tran van"}).content.decode()
    assert 'value="nguyen thi lan"' in first
    assert 'value="tran van"' in second and "nguyen thi lan" not in second
    assert len(case_filters.filter_bars) == 1  # one bar for both searches
    (kept,) = case_filters.filter_bars.values()
    assert "nguyen" not in kept and "tran van" not in kept


def test_the_kept_filter_bar_escapes_the_search_box(world, kept_filter_bars):
    body = sign_in(world.owner).get(LIST, {"q": '"><script>x</script>'}).content.decode()
    assert "<script>x</script>" not in body
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in body


def test_the_kept_filter_bar_shows_the_selected_filters(world, kept_filter_bars):
    client = sign_in(world.owner)
    client.get(LIST)
    body = client.get(LIST, {"status": "supporting", "children": "1"}).content.decode()
    assert '<option value="supporting" selected>' in body
    assert 'name="children" class="form-check-input" id="id_children" checked' in body
    assert len(case_filters.filter_bars) == 2


def test_a_new_agency_shows_in_the_kept_filter_bar_at_once(world, kept_filter_bars):
    client = sign_in(world.owner)
    client.get(LIST)
    Agency.objects.create(name="Đồn Biên phòng Mới", kind=world.police.kind, province=world.police.province)
    assert "Đồn Biên phòng Mới" in client.get(LIST).content.decode()


def test_the_list_reads_names_in_sql_and_no_person_row(world):
    """The name leaves the database only where identity is held (decision 320): a holder of
    `core` alone gets NULL from the query, and no statement reads the person's other fields."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.models import Role
    from tests.fixtures.personas import make_user

    make_case(world.police, acting(world.owner), name="Nguyễn Thị Lan")
    admin = make_user("list.admin", world.police, Role.AGENCY_ADMIN)  # `core` only
    for user, shown in ((world.owner, True), (admin, False)):
        with CaptureQueriesContext(connection) as queries:
            body = sign_in(user).get(LIST).content.decode()
        assert ("<td>Nguyễn Thị Lan</td>" in body) is shown
        assert [q["sql"] for q in queries.captured_queries if '"casework_person"."birth_date"' in q["sql"]] == []
        listed = [q["sql"] for q in queries.captured_queries if '"casework_person"."full_name"' in q["sql"]]
        assert len(listed) == 1 and "CASE WHEN EXISTS" in listed[0]


def test_a_filter_bar_with_errors_is_rendered_anew_and_never_kept(world, kept_filter_bars):
    response = sign_in(world.owner).get(LIST, {"status": "<b>nope</b>"})
    assert len(case_filters.filter_bars) == 0
    assert "<b>nope</b>" not in response.content.decode()
    sign_in(world.owner).get(LIST, {"status": "reported"})
    assert len(case_filters.filter_bars) == 1
