"""The case list's rows, built in Python rather than by including a template per row.

The list is the most requested page, and a template include per row (with its context push,
`{% url %}` and filters) was most of its rendering cost (docs/benchmarks.md, "Per-request
cost"). Every value goes through `format_html`, which escapes it as the template engine would.
The markup is exactly the former `_case_row.html`.
"""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from casework.lib.links import by_public_id

ROW = (
    "<tr{}>\n"
    '  <td><a href="{}">{}</a>{}{}</td>\n'
    "  <td>{}{}</td>\n"
    "  <td>{}</td>\n"
    "  <td>{}</td>\n"
    "  <td>{}</td>\n"
    "  <td>{}</td>\n"
    "  <td>{}</td>\n"
    "</tr>"
)


def case_rows(cases) -> SafeString:
    """The `<tr>` of each case, as `_case_results.html` shows them (one line each)."""
    # The translated words and the URL pattern are looked up once per page, not once per row.
    words = {
        "overdue": format_html(' <span class="badge text-bg-warning">{}</span>', _("overdue")),
        "merged": format_html(
            ' <span class="badge text-bg-secondary" data-testid="case-merged">{}</span>', _("merged")
        ),
        "hidden": format_html('<span class="text-muted">{}</span>', _("(identity not shared)")),
        "child": format_html(' <span class="badge text-bg-info">{}</span>', _("child")),
    }
    link = by_public_id("casework:case-detail")
    return mark_safe("\n  ".join(_row(case, words, link) for case in cases))  # noqa: S308 — each row is format_html


def _row(case, words: dict, link) -> str:
    overdue = case.is_overdue
    received = timezone.localtime(case.received_at) if case.received_at else None
    return format_html(
        ROW,
        mark_safe(' class="table-warning"') if overdue else "",  # noqa: S308 — a constant
        link(case.public_id),
        case.reference,
        words["overdue"] if overdue else "",
        words["merged"] if case.merged_into_id else "",
        words["hidden"] if case.person_name is None else case.person_name,
        words["child"] if case.is_child else "",
        case.get_status_display(),
        case.owning_agency.label,
        case.reception_province.label,
        received.strftime("%d/%m/%Y") if received else "",
        case.assigned_to if case.assigned_to is not None else "—",
    )
