"""P8: a case change through the UI → the routed referral in the receiving agency's inbox.

The change is registering a new case with the wizard (three forms, as the caseworker), a
person handed over at a border gate: registration routes the case (referrals/signals.py →
outbox → Celery `route_case`), and for the agency kinds that register cases a rule of
referrals/seed.py sends a referral at once (police, border guard, coast guard, foreign
affairs: repatriation reception; commune: protection; social protection: verification).
The referral is looked for in the database, which is what the receiving inbox lists, every
10 ms from the moment the final form is posted.
"""

import datetime
import time
import uuid
from zoneinfo import ZoneInfo

from bench import stats
from bench.client import BenchError, Client
from bench.html import Form, find_form
from bench.pages import CASE_LINK, relative

POLL_SECONDS = 0.01
GIVE_UP_SECONDS = 30
PROVINCE_HINT = "Lào Cai"
TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

FOUND = """
SELECT r.created_at - c.created_at, p.code, a.code
FROM referrals_referral r
JOIN casework_case c ON c.id = r.case_id
JOIN referrals_referralpurpose p ON p.id = r.purpose_id
JOIN casework_agency a ON a.id = r.to_agency_id
WHERE c.public_id = %s AND r.status <> 'draft'
ORDER BY r.id LIMIT 1
"""


def _option(form: Form, name: str, hint: str = "") -> str:
    choices = [(value, label) for value, label in form.options.get(name, []) if value]
    if not choices:
        raise BenchError(f"the wizard has no choices for {name}")
    return next((value for value, label in choices if hint and hint.lower() in label.lower()), choices[0][0])


def _step(client: Client, path: str, field: str) -> tuple[Form, str]:
    response = client.get(path, follow=True)
    form = find_form(response.page(), has_field=field)
    if form is None:
        raise BenchError(f"{path}: no wizard form with {field} (status {response.status})")
    return form, response.url


def _submit(client: Client, url: str, data) -> str:
    response = client.post(url, data)
    if response.status != 302:
        raise BenchError(f"wizard step {url} answered {response.status}")
    return response.location


def fill_wizard(client: Client, number: int) -> tuple[str, list]:
    """Post the person and facts steps; return the review URL and the review form's data."""
    form, url = _step(client, "/cases/new/?restart=1", "full_name")
    province = _option(form, "home_province", PROVINCE_HINT)
    person = {
        "full_name": f"Thử Nghiệm Định Tuyến {number} {uuid.uuid4().hex[:6]}",
        "sex": "female",
        "birth_year": "1998",
        "home_province": province,
        "next": "1",
    }
    facts_url = _submit(client, url, form.filled(person))
    form, url = _step(client, facts_url, "came_to_notice")
    received = (datetime.datetime.now(TIME_ZONE) - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    facts = {
        "came_to_notice": "border_handover",
        "received_at": received,
        "reception_province": _option(form, "reception_province", PROVINCE_HINT),
        "next": "1",
    }
    review_url = _submit(client, url, form.filled(facts))
    review = client.get(review_url, follow=True)
    confirm = next((f for f in review.page().forms if f.method == "post"), None)
    if confirm is None:
        raise BenchError(f"{review_url}: no confirmation form")
    return review.url, confirm.filled({"confirm_not_duplicate": "on"})


def one_change(client: Client, connection, number: int) -> dict:
    review_url, data = fill_wizard(client, number)
    started = time.perf_counter()
    response = client.post(review_url, data)
    answered = time.perf_counter()
    path = relative(response.location or "")
    if response.status != 302 or not CASE_LINK.match(path):
        raise BenchError(f"registering the case answered {response.status} → {response.location}")
    public_id = path.strip("/").split("/")[-1]
    while time.perf_counter() - started < GIVE_UP_SECONDS:
        row = connection.execute(FOUND, [public_id]).fetchone()
        if row is not None:
            seen = time.perf_counter()
            server_delta, purpose, agency = row
            return {
                "ms": (seen - started) * 1000,
                "request_ms": (answered - started) * 1000,
                "server_ms": server_delta.total_seconds() * 1000,
                "purpose": purpose,
                "to_agency": agency,
            }
        time.sleep(POLL_SECONDS)
    return {"ms": None, "request_ms": (answered - started) * 1000, "case": public_id}


def measure(client: Client, connection, *, changes: int) -> dict:
    """`changes` registrations, one at a time with idle workers between them."""
    results, failures = [], []
    for number in range(changes):
        try:
            outcome = one_change(client, connection, number)
        except BenchError as error:
            failures.append(str(error))
            continue
        (results if outcome["ms"] is not None else failures).append(outcome)
        time.sleep(0.3)  # let the worker go idle again
    latencies = [outcome["ms"] for outcome in results]
    return {
        "change": "register a case (border handover) through the wizard as the caseworker",
        "changes": changes,
        "routed": len(results),
        "not_routed": len(failures),
        "failures": [str(failure) for failure in failures[:3]],
        **stats.latency_summary(latencies),
        "server_p95_ms": stats.rounded(stats.percentile([o["server_ms"] for o in results], 95)),
        "request_p95_ms": stats.rounded(stats.percentile([o["request_ms"] for o in results], 95)),
        "purposes": sorted({f"{o['purpose']} → {o['to_agency']}" for o in results})[:5],
    }
