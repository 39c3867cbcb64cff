"""The apps of the project in layers, lowest first: an app may import only itself and the apps
before it in this list (tests/test_architecture.py enforces it; docs/architecture.md explains
each layer). `config` sits above all of them and composes them (settings, URLs, the header).
"""

LAYERS = [
    "casework",  # core: agencies, people, cases, access, audit, the case actions
    "messaging",  # notifications, the outbox and e-mail
    "shelters",  # facilities, beds, stays, intake, follow-up
    "support",  # the support catalogue, entitlements, claims, the ledger, working days
    "referrals",  # routing, referrals, handover minutes, the inbox and the "today" page
    "dashboards",  # statistics, suppression and the dashboards
    "exchange",  # export and import jobs, HTCDS
    "api",  # the REST API for partner systems; nothing imports it
    "devdata",  # fictional demo and scale data; not installed in production
]

# No module of an app is longer than this many lines.
MAX_MODULE_LINES = 800
