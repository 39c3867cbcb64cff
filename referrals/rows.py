"""The inbox's referral rows, built in Python rather than by including a template per row.

At 1,000,000 victims the inbox's SQL was 15 ms of a 50–68 ms page; most of the rest was the
template include per row (context push, `{% url %}`, filters, the profile's include), as it
was for the case list (`casework.rows`, decision 270). Every value goes through
`format_html`, which escapes it as the template engine would. The markup is that of the former
`_referral_row.html` and `_profile.html` (decision 306).
"""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from casework.lib.links import by_public_id

ROW = (
    "<tr{}>\n"
    '  <td>{}<a href="{}">{}</a>{}{}</td>\n'
    "  <td>{}</td>\n"
    "  <td>{}</td>\n"
    '  <td><span class="badge text-bg-light border">{}</span></td>\n'
    "  <td>{}\n"
    "    {}</td>\n"
    "  <td>{}</td>\n"
    "</tr>"
)
# The supervisor's pick of a received row for the inbox's one assignment form (decision 308).
PICK = (
    '<input class="form-check-input me-2" type="checkbox" name="referral" value="{}" form="inbox-assign"'
    ' id="pick-{}" aria-label="{} {}" data-testid="pick">'
)


def referral_rows(referrals, *, outgoing: bool, pickable: bool = False, now=None) -> SafeString:
    """The `<tr>` of each referral as the inbox shows it: received (`outgoing` False, with a
    box to pick it for the assignment form when `pickable`) or sent."""
    now = now or timezone.now()
    words = {
        "overdue": format_html(' <span class="badge text-bg-warning">{}</span>', _("overdue")),
        "urgent": format_html(
            '<span class="badge text-bg-danger" data-testid="profile-urgent">{}</span> ', _("urgent")
        ),
        "child": format_html(' · <span class="badge text-bg-info" data-testid="profile-child">{}</span>', _("child")),
        "pick": _("Choose"),
    }
    links = {"detail": by_public_id("referrals:detail")}
    pickable = pickable and not outgoing
    rows = (_row(referral, outgoing, pickable, words, links, now) for referral in referrals)
    return mark_safe("\n".join(rows))  # noqa: S308 — each row is format_html


def _row(referral, outgoing: bool, pickable: bool, words: dict, links: dict, now) -> str:
    code = str(referral.public_id)
    person = getattr(referral, "person_name", "")
    profile = getattr(referral, "profile", None)
    due = timezone.localtime(referral.due_at).strftime("%d/%m/%Y %H:%M") if referral.due_at else "—"
    late = referral.overdue_flagged_at or (referral.due_at and referral.due_at < now)
    return format_html(
        ROW,
        mark_safe(' class="table-warning"') if getattr(referral, "overdue", False) else "",  # noqa: S308 — a constant
        format_html(PICK, code, code, words["pick"], referral.reference) if pickable else "",
        links["detail"](code),
        referral.reference,
        format_html('<div class="small" data-testid="person-name">{}</div>', person) if person else "",
        format_html('<div class="small text-muted">{}</div>', _profile(profile, words)) if profile else "",
        referral.purpose.label,
        referral.to_agency.label if outgoing else referral.from_agency.label,
        referral.get_status_display(),
        due,
        words["overdue"] if late else "",
        referral.assigned_to if referral.assigned_to is not None else "—",
    )


def _profile(profile, words: dict) -> SafeString:
    """The markup of `_profile.html`."""
    return format_html(
        '<span class="referral-profile" data-testid="referral-profile">{}<span data-testid="profile-sex">{}</span>'
        ' · <span data-testid="profile-age">{}</span>{}{}</span>',
        words["urgent"] if profile.urgent else "",
        profile.sex_label,
        profile.age_band_label,
        words["child"] if profile.is_child else "",
        format_html(' · <span data-testid="profile-languages">{}</span>', profile.languages)
        if profile.languages
        else "",
    )
