"""Charts drawn on the server as SVG: no chart library, no CDN, no script, and they print.

Only SVG presentation attributes are used (no `style`), so the page's CSP needs no
'unsafe-inline'. A hidden (suppressed) value is drawn as an empty dashed bar marked "*".
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from dashboards import tables

register = template.Library()
register.simple_tag(tables.overdue_rows, name="overdue_rows")
register.simple_tag(tables.facility_rows, name="facility_rows")

BAR_COLOUR = "#0d6efd"
SECOND_COLOUR = "#198754"
HIDDEN_STROKE = "#6c757d"


def _scale(values: list[int | None]) -> int:
    return max([value for value in values if value] or [1])


@register.simple_tag
def column_chart(bars, second=None, *, title: str = "", legend: str = "", second_legend: str = ""):
    """Vertical bars (one per month), optionally a second series beside each."""
    series = [bars] + ([second] if second else [])
    peak = _scale([bar.value for bars_ in series for bar in bars_])
    slot, height, top, bottom, left = 44, 160, 16, 34, 8
    width = left + slot * len(bars) + 8
    bar_width = (slot - 10) // len(series)
    shapes = []
    for index in range(len(bars)):
        x0 = left + index * slot + 4
        for number, bars_ in enumerate(series):
            bar = bars_[index]
            x = x0 + number * bar_width
            colour = BAR_COLOUR if number == 0 else SECOND_COLOUR
            shapes.append(_bar(bar, x, bar_width - 2, peak, height, top, colour))
        shapes.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#212529">{}</text>',
                x0 + (slot - 8) // 2,
                top + height + 14,
                bars[index].label,
            )
        )
    legend_svg = ""
    if legend:
        legend_svg = format_html(
            '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect>'
            '<text x="{}" y="{}" font-size="11" fill="#212529">{}</text>',
            left,
            top + height + 22,
            BAR_COLOUR,
            left + 14,
            top + height + 31,
            legend,
        )
        if second and second_legend:
            legend_svg += format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect>'
                '<text x="{}" y="{}" font-size="11" fill="#212529">{}</text>',
                left + 180,
                top + height + 22,
                SECOND_COLOUR,
                left + 194,
                top + height + 31,
                second_legend,
            )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}{}</svg>",
        width,
        top + height + bottom + 6,
        title,
        title,
        mark_safe("".join(shapes)),  # noqa: S308 — every part was built with format_html
        legend_svg,
    )


def _bar(bar, x: int, width: int, peak: int, height: int, top: int, colour: str) -> str:
    baseline = top + height
    if bar.value is None:
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" stroke-dasharray="3 2"></rect>'
            '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">*</text>',
            x,
            baseline - 14,
            width,
            14,
            HIDDEN_STROKE,
            x + width // 2,
            baseline - 17,
            HIDDEN_STROKE,
        )
    bar_height = round(height * bar.value / peak) if peak else 0
    if not bar.value:
        return ""  # an empty month is the gap itself; a row of zeros only adds noise
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#212529">{}</text>',
        x,
        baseline - bar_height,
        width,
        bar_height,
        colour,
        bar.label,
        bar.value,
        x + width // 2,
        baseline - bar_height - 3,
        bar.value,
    )


@register.simple_tag
def bar_rows(bars, *, title: str = ""):
    """Horizontal bars with their labels (statuses, agencies): readable when printed."""
    peak = _scale([bar.value for bar in bars])
    row, label_width, bar_space = 22, 190, 260
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * row
        label = format_html(
            '<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#212529">{}</text>',
            label_width - 6,
            y + 14,
            bar.label,
        )
        if bar.value is None:
            shape = format_html(
                '<rect x="{}" y="{}" width="30" height="14" fill="none" stroke="{}" stroke-dasharray="3 2"></rect>'
                '<text x="{}" y="{}" font-size="12" fill="{}">*</text>',
                label_width,
                y + 3,
                HIDDEN_STROKE,
                label_width + 36,
                y + 14,
                HIDDEN_STROKE,
            )
        else:
            length = round(bar_space * bar.value / peak) if peak else 0
            shape = format_html(
                '<rect x="{}" y="{}" width="{}" height="14" fill="{}"></rect>'
                '<text x="{}" y="{}" font-size="12" fill="#212529">{}</text>',
                label_width,
                y + 3,
                length,
                BAR_COLOUR,
                label_width + length + 6,
                y + 14,
                bar.value,
            )
        rows.append(label + shape)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        label_width + bar_space + 50,
        8 + row * len(bars),
        title,
        title,
        format_html_join("", "{}", ((item,) for item in rows)),
    )
