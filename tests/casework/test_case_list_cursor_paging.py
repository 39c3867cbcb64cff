"""The case list pages by cursor: rows registered in the same instant are neither skipped nor
repeated, forwards or back."""

from django.urls import reverse

from casework.models import Case
from tests.fixtures.personas import acting, make_case, sign_in

LIST = reverse("casework:case-list")


def test_cursor_paging_keeps_rows_registered_in_the_same_instant(world, monkeypatch):
    from casework.views import cases as case_views

    monkeypatch.setattr(case_views, "PAGE_SIZE", 3)
    owner = acting(world.owner)
    for index in range(7):
        make_case(world.police, owner, name=f"Người Cùng Lúc {index}")
    same = Case.objects.order_by("created_at").first().created_at
    Case.objects.filter(owning_agency=world.police).update(created_at=same)
    expected = list(Case.objects.order_by("-created_at", "-id").values_list("reference", flat=True))
    client = sign_in(world.owner)
    seen, response, pages = [], client.get(LIST), []
    while True:
        page = response.context["page"]
        seen += [case.reference for case in page.rows]
        pages.append(page)
        if not page.has_next:
            break
        response = client.get(LIST, {"page": page.number + 1, "after": str(page.rows[-1].public_id)})
    assert seen == expected
    # Back with `before` from the last page gives the page before it.
    last = pages[-1]
    back = client.get(LIST, {"page": last.number - 1, "before": str(last.rows[0].public_id)})
    assert [case.reference for case in back.context["cases"]] == [case.reference for case in pages[-2].rows]
