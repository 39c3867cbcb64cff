"""The dashboard's two live tables (overdue referral steps, shelter occupancy), built in Python.

At national scale they are 30–50 rows of four or five numbers each, and the template loops,
with their variable nodes and `date` filter, were about a third of the cached national
dashboard's template time (docs/benchmarks.md, "Dashboard filters and tables"). Every value
goes through `format_html`, which escapes it as the template engine would; the markup is the
template's, row for row.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

OVERDUE_ROW = (
    '<tr data-testid="overdue-row"><td>{}</td><td class="text-end"><span class="badge text-bg-warning">{}</span>'
    '</td><td class="text-end">{}</td><td>{}</td></tr>'
)
FACILITY_ROW = (
    '<tr><td>{}</td><td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
    '<td class="text-end">{}</td></tr>'
)


@dataclass(frozen=True)
class FacilityRow:
    """One facility's beds as the dashboard shows them: what is kept in the cache for 30 s
    (decision 282), plain values rather than a model instance."""

    label: str
    beds_occupied: int
    beds_held: int
    beds_free: int
    beds_total: int


def facility_rows_of(facilities) -> list[FacilityRow]:
    return [
        FacilityRow(
            label=facility.label,
            beds_occupied=facility.beds_occupied,
            beds_held=facility.beds_held,
            beds_free=facility.beds_free,
            beds_total=facility.beds_total,
        )
        for facility in facilities
    ]


def number(value) -> str:
    """What `{{ value }}` shows for a count: Django localizes numbers, which changes a whole
    number only with USE_THOUSAND_SEPARATOR."""
    if isinstance(value, int) and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return str(formats.localize(value))


def overdue_rows(rows: list[dict]) -> SafeString:
    return mark_safe(  # noqa: S308 — each row is format_html
        "\n".join(
            format_html(
                OVERDUE_ROW,
                row["agency"],
                number(row["count"]),
                number(row["escalated"]),
                timezone.localtime(row["oldest_due"]).strftime("%d/%m/%Y %H:%M") if row["oldest_due"] else "",
            )
            for row in rows
        )
    )


def facility_rows(facilities: list[FacilityRow]) -> SafeString:
    return mark_safe(  # noqa: S308 — each row is format_html
        "\n".join(
            format_html(
                FACILITY_ROW,
                facility.label,
                number(facility.beds_occupied),
                number(facility.beds_held),
                number(facility.beds_free),
                number(facility.beds_total),
            )
            for facility in facilities
        )
    )
