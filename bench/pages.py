"""Finding one's way in the application as a user would: from the pages' own links.

The case list has been paginated with `?page=N` and with a cursor in the next link
(`?page=N&after=<last case>`). `deep_page` hides which: when the next link changes nothing
but a page number it jumps, otherwise it follows the page's own "next" links, so "page 400"
is the 400th page a user could reach by clicking "next".
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bench import html
from bench.client import BenchError, Client, Response

CASE_LIST = "/"
INBOX = "/referrals/"
DASHBOARD = "/dashboards/"
EXPORT_CREATE = "/dashboards/exports/new/"
CASE_LINK = re.compile(r"^/cases/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/$")
# The pagination's "next" in English and Vietnamese (locale/vi: "Trang sau").
NEXT_WORDS = {"next", "trang sau", "sau", "tiếp", "›", "»"}


def list_url(params: dict | str | None = None) -> str:
    if not params:
        return CASE_LIST
    query = params if isinstance(params, str) else urlencode(params)
    return f"{CASE_LIST}?{query}"


def case_links(response: Response) -> list[str]:
    """The case pages a list links to, in the list's order, each once."""
    seen = []
    for link in response.page().links:
        path = urlsplit(link.href).path
        if CASE_LINK.match(path) and path not in seen:
            seen.append(path)
    return seen


def next_link(response: Response) -> str | None:
    """The absolute URL of the page's "next" link (rel="next", else its text), or None."""
    links = response.page().links
    chosen = next((link for link in links if "next" in link.rel.split()), None)
    if chosen is None:
        chosen = next((link for link in links if link.text.strip().lower() in NEXT_WORDS), None)
    return urljoin(response.url, chosen.href) if chosen else None


def _with_page(url: str, number: int) -> str:
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "page"]
    query.append(("page", str(number)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def relative(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class DeepPage:
    url: str  # relative to the server
    reached: int  # the page number actually reached (fewer pages than asked: the last one)
    method: str  # "page parameter" or "next links"


def deep_page(client: Client, start: str, number: int) -> DeepPage:
    """The URL of page `number` of the list at `start`, or of its last page if it has fewer."""
    first = client.get(start, follow=True)
    if not first.ok:
        raise BenchError(f"{start} answered {first.status}")
    following = next_link(first)
    if following is None or number == 1:
        return DeepPage(relative(first.url), 1, "single page")
    if _changed_params(first.url, following) == {"page"}:
        return _jump(client, first.url, number)
    return _follow(client, first, number)


def _changed_params(url: str, following: str) -> set[str]:
    """Which query parameters the next link sets differently from the page it is on: only
    `page` means numbered pages; anything else (a cursor) must be followed."""
    here = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    there = dict(parse_qsl(urlsplit(following).query, keep_blank_values=True))
    return {key for key in here.keys() | there.keys() if here.get(key) != there.get(key)}


def _jump(client: Client, first_url: str, number: int) -> DeepPage:
    """Numbered pages: the page itself if it has rows, else the last page that has (bisection)."""

    def has_rows(page: int) -> bool:
        return bool(case_links(client.get(_with_page(first_url, page))))

    if has_rows(number):
        return DeepPage(relative(_with_page(first_url, number)), number, "page parameter")
    low, high = 1, number  # page `low` has rows, page `high` has none
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if has_rows(middle) else (low, middle)
    return DeepPage(relative(_with_page(first_url, low)), low, "page parameter")


def _follow(client: Client, response: Response, number: int) -> DeepPage:
    """Cursor pages: follow "next" until page `number` or the last page."""
    reached, url = 1, response.url
    while reached < number:
        following = next_link(response)
        if following is None:
            break
        response = client.get(following)
        if not response.ok:
            raise BenchError(f"next page {following} answered {response.status}")
        reached, url = reached + 1, following
    return DeepPage(relative(url), reached, "next links")


def collect_case_links(client: Client, start: str = CASE_LIST, *, wanted: int = 50) -> list[str]:
    """Case pages from the first pages of a list."""
    found: list[str] = []
    response = client.get(start, follow=True)
    while True:
        found += [link for link in case_links(response) if link not in found]
        following = next_link(response)
        if len(found) >= wanted or following is None:
            return found[:wanted]
        response = client.get(following)


def note_form(client: Client, case_path: str) -> html.Form | None:
    """The "add a note" form of a case page (its action and CSRF token); None where the user
    may not change the case."""
    response = client.get(case_path)
    return html.find_form(response.page(), action_contains=f"{case_path}notes/")


def writable_cases(client: Client, *, wanted: int = 20, probe: int = 100) -> list[str]:
    """Cases the user may add a note to: those assigned to them first ("Assigned to me"),
    then the rest of their list; each checked for the note form on its page."""
    candidates = collect_case_links(client, list_url({"mine": "1"}), wanted=probe)
    candidates += [path for path in collect_case_links(client, wanted=probe) if path not in candidates]
    found = []
    for path in candidates:
        if note_form(client, path) is not None:
            found.append(path)
            if len(found) == wanted:
                break
    return found


def export_form(client: Client) -> html.Form:
    """An export button of the case list (kind, format and CSRF token)."""
    response = client.get(CASE_LIST, follow=True)
    form = html.find_form(response.page(), action_contains=EXPORT_CREATE)
    if form is None:
        raise BenchError(f"{client.username}: the case list has no export button")
    return form
