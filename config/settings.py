"""Settings for Cầu Nối, read from the environment.

CAUNOI_ENV chooses the mode:
- ``dev`` (default): SQLite unless DATABASE_URL is set, Celery eager unless CELERY_BROKER_URL
  is set, DEBUG on.
- ``test``: like dev with DEBUG off and fast password hashing.
- ``production``: every secret and host from the environment, HTTPS-only cookies, HSTS;
  ``manage.py check --deploy`` reports nothing.
"""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.env import (
    ImproperEnvironment,
    database_from_url,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_str,
    postgres_options,
    replica_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_choice("CAUNOI_ENV", ("dev", "test", "production"), "dev")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperEnvironment("DJANGO_ALLOWED_HOSTS is required in production")
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-never-use-in-production-0123456789")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    if set(ALLOWED_HOSTS) - {"127.0.0.1", "localhost", "testserver", "[::1]"}:
        # A public host name with dev settings would mean DEBUG pages and a known secret key.
        raise ImproperEnvironment("Non-local DJANGO_ALLOWED_HOSTS need CAUNOI_ENV=production")

DEBUG = env_bool("DJANGO_DEBUG", ENVIRONMENT == "dev")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "casework",
    "messaging",
    "shelters",
    "support",
    "referrals",
    "dashboards",
    "exchange",
    "api",
]
# Fictional data (`seed_demo`, `seed_scale` and its `--reset` that empties the operational
# tables) for development, tests and benchmarks only: never installed in production (decision 140).
if not PRODUCTION:
    INSTALLED_APPS.append("devdata")

MIDDLEWARE = [
    "casework.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "casework.middleware.ServiceUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "casework.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "casework.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "casework.middleware.SessionLimitMiddleware",
    "casework.middleware.ActiveMembershipMiddleware",
    "casework.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
if env_bool("CAUNOI_QUERY_COUNT", False):  # X-Query-Count per response, for bench/
    MIDDLEWARE.insert(0, "config.query_count.QueryCountMiddleware")

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "casework.views.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "config.context_processors.active_membership",
            ],
        },
    },
]

# Inputs and textareas rendered in Python, every other widget by Django's templates
# (casework/form_rendering.py).
FORM_RENDERER = "casework.form_rendering.FastRenderer"

# Database: SQLite for zero-setup use, PostgreSQL when DATABASE_URL is given.
DATABASE_URL = env_str("DATABASE_URL", "")
# A query running longer than this is cancelled and the page answers 503 ("try again") instead
# of hanging until the web server gives up. Workers (exports, imports, recomputes) get their own,
# longer limit (config/celery_app.py); 0 means no limit.
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 20)
DATABASE_WORKER_STATEMENT_TIMEOUT = env_int("DATABASE_WORKER_STATEMENT_TIMEOUT", 900)
# Parallel workers a page's query may start. A page's queries are bounded (one agency's inbox, a
# page of 25 rows): starting a worker cost more than it saved (an inbox query 4 → 10 ms when the
# planner's row estimate tipped it into a parallel plan), and under load the workers take the
# cores other requests need. -1 leaves PostgreSQL's own setting (maintenance commands and Celery
# workers keep it: exports, imports and rollup rebuilds read whole tables). Decision 305.
DATABASE_PARALLEL_WORKERS = env_int("DATABASE_PARALLEL_WORKERS", 0)
# The fixed queries prepared on the server (decision 337). Off behind a pooler in transaction
# mode, which hands a prepared statement's name to other connections (docs/deploy.md).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
    # Persistent connections in production; none in tests, where the live server's request
    # threads would otherwise leave sessions open on the test database when it is dropped.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0 if ENVIRONMENT == "test" else 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5),
        "options": postgres_options(
            DATABASE_STATEMENT_TIMEOUT, DATABASE_PARALLEL_WORKERS if DATABASE_PARALLEL_WORKERS >= 0 else None
        ),
    }
    if DATABASE_PREPARED_STATEMENTS:
        # Statements run through a server-binding cursor are prepared at once: only the fixed
        # queries use one (casework/lib/fixed_query.py, decision 337); Django's cursors bind
        # on the client and never prepare.
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 0
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            # WAL: readers read while an import writes (decision 258); NORMAL is WAL's safe sync.
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }
# A streaming replica of that database (docs/deploy.md, "A second machine"): dashboards,
# statistics and exports read from it inside `casework.lib.replica.replica_reads`; everything else,
# and every write, stays on the primary (decisions 260–264). Absent: no alias, all on default.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
# How long a replica read waits for the replica to replay what the primary had committed when
# the read began; past it the read goes to the primary (casework/lib/replica.py).
DATABASE_REPLICA_WAIT_MS = env_int("DATABASE_REPLICA_WAIT_MS", 500)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = replica_database(DATABASES["default"], DATABASE_REPLICA_URL)
    # A replica that cannot be reached costs a dashboard this long before it reads the primary.
    DATABASES["replica"]["OPTIONS"]["connect_timeout"] = env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)
    DATABASE_ROUTERS = ["casework.lib.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "casework.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "casework:login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "casework:login"
# ASVS 2.1: at least 12 characters, not a common password (Django's list and a Vietnamese one
# shipped in casework/data, both offline), not like the user's name or e-mail, not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "casework.passwords.VietnameseCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "casework.passwords.MaximumLengthValidator"},
]
# A password-reset link works once (its token covers the password hash) and for one hour.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
# Reset requests: at most this many per hour from one client address, and per e-mail address.
PASSWORD_RESET_ADDRESS_LIMIT = env_int("PASSWORD_RESET_ADDRESS_LIMIT", 10)
PASSWORD_RESET_EMAIL_LIMIT = env_int("PASSWORD_RESET_EMAIL_LIMIT", 3)

# Second sign-in factor (decisions 150–152). Required in production: every account enrols an
# authenticator at its first sign-in. Off by default in dev and test so the demo personas of
# `make run` and the test clients sign in with a password alone; an account that has enrolled
# is always asked for its code. CAUNOI_REQUIRE_2FA=true turns it on anywhere.
CAUNOI_REQUIRE_2FA = env_bool("CAUNOI_REQUIRE_2FA", PRODUCTION)
# Seals the stored TOTP secrets; unset: derived from SECRET_KEY. Changing it makes every user enrol again.
CAUNOI_TWO_FACTOR_KEY = env_str("CAUNOI_TWO_FACTOR_KEY", "")
# Codes of the step before and after the current 30-second step are accepted too (clock drift).
CAUNOI_TOTP_WINDOW = 1
# How long the right password waits for its second factor before it must be typed again.
CAUNOI_TWO_FACTOR_PENDING_SECONDS = env_int("CAUNOI_TWO_FACTOR_PENDING_SECONDS", 5 * 60)
# Exports and imports ask for the password (and code) again when the last one is older than this.
CAUNOI_REAUTH_MINUTES = env_int("CAUNOI_REAUTH_MINUTES", 15)
# An agency administrator's invitation link works this long, once (decision 180).
CAUNOI_INVITATION_HOURS = env_int("CAUNOI_INVITATION_HOURS", 72)
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-guardian: no anonymous user; nothing here is public.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# The key of the HMAC kept instead of an identifier used only for matching (casework.lib.identifiers);
# unset: a key derived from SECRET_KEY. Changing either makes earlier digests unmatchable.
CAUNOI_IDENTIFIER_KEY = env_str("CAUNOI_IDENTIFIER_KEY", "")

# Addresses of the reverse proxies whose X-Forwarded-For is believed (audit IPs, lockout).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Sign-in limits (QUALITY S5).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# One address: failed sign-ins for any usernames within LOGIN_LOCKOUT_MINUTES before it is locked out.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
# One account, from any address (casework.views.auth.account_cooldown): after this many failures
# within the window, a cool-down from the last failure that doubles per failure, capped.
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 10)
LOGIN_ACCOUNT_WINDOW_MINUTES = env_int("LOGIN_ACCOUNT_WINDOW_MINUTES", 60)
LOGIN_ACCOUNT_COOLDOWN_SECONDS = env_int("LOGIN_ACCOUNT_COOLDOWN_SECONDS", 60)
LOGIN_ACCOUNT_COOLDOWN_MAX_MINUTES = env_int("LOGIN_ACCOUNT_COOLDOWN_MAX_MINUTES", 15)
# Addresses the account signed in from within this many days are not held up by the cool-down.
LOGIN_KNOWN_ADDRESS_DAYS = env_int("LOGIN_KNOWN_ADDRESS_DAYS", 30)
# Minutes without a user action before the session ends; background polling does not count
# (casework.middleware.SessionLimitMiddleware, static/js/idle.js).
CAUNOI_IDLE_MINUTES = env_int("CAUNOI_IDLE_MINUTES", 30)
SESSION_IDLE_SECONDS = CAUNOI_IDLE_MINUTES * 60
# Days an untouched draft (the new-case wizard's answers, casework.drafts) is kept before it is purged.
CAUNOI_DRAFT_DAYS = env_int("CAUNOI_DRAFT_DAYS", 7)
# Days a handed-over referral stays in the inbox before it moves to the archive tab: no deadline
# runs after the handover (docs/decisions.md 220); completing it is done from the referral page.
REFERRAL_INBOX_RECENT_DAYS = env_int("REFERRAL_INBOX_RECENT_DAYS", 14)
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
# The time of the last user action is written to the session when it moved by this much, so a
# page saves the session once a minute at most; the idle limit holds to this granularity
# (decision 250).
SESSION_ACTIVITY_SECONDS = 60
# The stored session outlives the idle limit by five minutes, so the middleware (which audits the
# sign-out) ends an idle session rather than the session store; only user actions save it.
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + 5 * 60
SESSION_SAVE_EVERY_REQUEST = False
# Django's database sessions, read by a query compiled once per process (decision 337).
SESSION_ENGINE = "casework.session_store"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Language, time.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# Files. Uploaded documents are private: stored outside static/ and served only by a view
# that checks access.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private"))},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# No MEDIA_URL: uploaded documents are never served as files, only by the download view.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
# Upload quotas (ASVS 12.1.3): files on one case, and files and bytes one account uploads in 24 hours.
DOCUMENT_MAX_PER_CASE = env_int("DOCUMENT_MAX_PER_CASE", 300)
DOCUMENT_USER_DAILY_FILES = env_int("DOCUMENT_USER_DAILY_FILES", 200)
DOCUMENT_USER_DAILY_BYTES = env_int("DOCUMENT_USER_DAILY_BYTES", 500 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Celery: Redis when CELERY_BROKER_URL is set, otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# No result backend: nothing reads a task's return value (every task's effect is a database
# row), and a result backend on Redis made a save wait ~19 s for a Redis that refused.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A publish never holds a request long: one attempt, a short connect and a short send. A publish
# that fails leaves its outbox row for the relay (beat), so nothing is lost by giving up.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": env_float("CELERY_BROKER_CONNECT_TIMEOUT", 1.0),
    # 1 s, not 1.5 (decision 242): a save on a hung Redis then answers within R4's 2 s.
    "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 1.0),
    # kombu retries a refused connection for the connect timeout, sleeping between tries (a
    # publish into a refusing Redis took 2.0 s): fail at once instead (decision 242).
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECT_TIMEOUT", 1.0)
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An outbox row published this long ago and still not done is published again (QUALITY R1);
# longer than any task takes, far shorter than the broker's visibility timeout.
CAUNOI_OUTBOX_REDELIVER_SECONDS = env_int("CAUNOI_OUTBOX_REDELIVER_SECONDS", 120)
CELERY_BEAT_SCHEDULE = {
    "flag-overdue-cases": {"task": "casework.tasks.flag_overdue_cases", "schedule": 60.0},
    "purge-drafts": {"task": "casework.tasks.purge_drafts", "schedule": 3600.0},
    "flag-overdue-referrals": {"task": "referrals.tasks.flag_overdue_referrals", "schedule": 60.0},
    "flag-overdue-claims": {"task": "support.tasks.flag_overdue_claims", "schedule": 3600.0},
    "relay-outbox": {"task": "messaging.tasks.relay_outbox", "schedule": 15.0},
    "release-expired-holds": {"task": "shelters.tasks.release_expired_holds", "schedule": 300.0},
    "remind-followups": {"task": "referrals.tasks.remind_followups", "schedule": 3600.0},
    # exchange/tasks.py: the names are those of before the app was split out (decision 146).
    "requeue-exports": {"task": "dashboards.tasks.requeue_exports", "schedule": 120.0},
    "expire-exports": {"task": "dashboards.tasks.expire_exports", "schedule": 3600.0},
    "requeue-imports": {"task": "dashboards.tasks.requeue_imports", "schedule": 120.0},
    "fold-rollups": {"task": "dashboards.tasks.fold_rollups", "schedule": 60.0},
}
# Cache: Redis when CACHE_URL is set (shared by every worker process, so an invalidation in
# one reaches all). Without it: one process's memory in dev and test, and no cache at all in
# production, where a per-process cache would keep figures another worker had invalidated.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.GuardedRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "caunoi",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif PRODUCTION:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "caunoi"}}
# Dashboard and statistics aggregates are cached this long at most; a change to a case
# invalidates its scopes at once (dashboards/cache.py). 0 turns the cache off.
# Select options built from reference tables (agencies, provinces, caseworkers) are cached this
# long; every save of what they show, an ended membership and a migration refresh them at once,
# so the limit bounds only writes made outside the application (decision 322).
CAUNOI_CHOICES_CACHE_SECONDS = env_int("CAUNOI_CHOICES_CACHE_SECONDS", 0 if ENVIRONMENT == "test" else 3600)
# The header's inbox badge (per agency) and unread count (per user) are cached this long at most;
# a change to a referral or notification drops them at once (messaging/header_counts.py,
# decision 251). Off under test by default, like the choices: rolled-back tests reuse ids.
CAUNOI_HEADER_COUNTS_SECONDS = env_int("CAUNOI_HEADER_COUNTS_SECONDS", 0 if ENVIRONMENT == "test" else 60)
# How long a process keeps its answer to "does this membership hold few cases?" (the case
# list's form of page, `casework.access.page_form`; decision 336). It chooses a plan, never
# the rows; 0 counts on every page.
CAUNOI_PAGE_FORM_SECONDS = env_int("CAUNOI_PAGE_FORM_SECONDS", 0 if ENVIRONMENT == "test" else 60)
# Off under test by default: tests roll their transactions back, so nothing would invalidate.
CAUNOI_DASHBOARD_CACHE_SECONDS = env_int("CAUNOI_DASHBOARD_CACHE_SECONDS", 0 if ENVIRONMENT == "test" else 900)
# The dashboard's overdue referral steps and beds (they move with the clock and the beds, not
# with case saves) are kept this long per scope and filter at most (decision 282); 0: every request.
CAUNOI_DASHBOARD_LIVE_SECONDS = env_int("CAUNOI_DASHBOARD_LIVE_SECONDS", 0 if ENVIRONMENT == "test" else 30)
# Province and national figures are read from the rollups per province and month
# (dashboards/rollups.py) instead of scanning the cases; False counts every case live.
CAUNOI_DASHBOARD_ROLLUPS = env_bool("CAUNOI_DASHBOARD_ROLLUPS", True)
# A cached figure being recomputed by another request is waited for this long at most
# (the single-flight guard of dashboards/cache.py).
CAUNOI_DASHBOARD_RECOMPUTE_WAIT_SECONDS = env_float("CAUNOI_DASHBOARD_RECOMPUTE_WAIT_SECONDS", 5.0)
# An export job with no sign of life for this long (still waiting, or its worker killed) is
# published again; a running export writes its progress every 500 rows, far more often.
CAUNOI_EXPORT_STALE_SECONDS = env_int("CAUNOI_EXPORT_STALE_SECONDS", 600)
# A finished export's file is deleted this many hours after it was made.
CAUNOI_EXPORT_KEEP_HOURS = env_int("CAUNOI_EXPORT_KEEP_HOURS", 72)
# An HTCDS row received more than this many days before its import is registered as a historic
# record by default (no routing, deadlines or overdue flags; decision 120); 0 turns the default off.
CAUNOI_HISTORIC_BEFORE_DAYS = env_int("CAUNOI_HISTORIC_BEFORE_DAYS", 365)
# The API (docs/api.md): calls per client and minute before a 429 (counted in the cache, so one
# count across processes only with CACHE_URL; 0 turns the limit off), and the rows one HTCDS
# import call may carry (larger sets go through the import page's background job).
CAUNOI_API_RATE_PER_MINUTE = env_int("CAUNOI_API_RATE_PER_MINUTE", 120)
CAUNOI_API_IMPORT_MAX_ROWS = env_int("CAUNOI_API_IMPORT_MAX_ROWS", 500)
# The largest HTCDS file an administrator may upload for one import (docs/domain.md §7);
# an import job with no sign of life for CAUNOI_EXPORT_STALE_SECONDS is published again too.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
# What an uploaded file may unpack to, checked before it is parsed (decision 176): an .xlsx's
# parts together, the ratio of any part of 1 MiB or more to its packed size, and the rows of
# a sheet or a CSV file (the header row not counted).
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 200)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)
# How old a person is when only the year of birth is known (docs/domain.md has no rule):
# "conservative" counts her as born at the very end of that year, so she is a child until
# 31 December of the year she turns 18; "year_difference" counts her as born on 1 January
# (this year less the year of birth), which makes children adults up to a year early.
CAUNOI_AGE_FROM_BIRTH_YEAR = env_choice(
    "CAUNOI_AGE_FROM_BIRTH_YEAR", ("conservative", "year_difference"), "conservative"
)
# Follow-up visits after a shelter discharge, in months (docs/domain.md §4: 24 months of follow-up);
# a facility's own follow-up period cuts the list.
CAUNOI_FOLLOWUP_MONTHS = (1, 3, 6, 12, 24)

# Security headers (QUALITY S2) — see casework.middleware.SecurityHeadersMiddleware.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # ASVS 3.4.4: the __Host- prefix makes the browser refuse these cookies unless they are
    # Secure, for this host only (no Domain) and for the whole site (Path=/).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
else:
    SECURE_HSTS_SECONDS = 0

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "caunoi@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
