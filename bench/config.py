"""Everything a benchmark run can be told: data sets, personas, request counts, services.

Read from the environment once (`Settings.from_env`), so `make bench` and the smoke test
differ only in variables. The personas are named here and nowhere else.
"""

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "caunoi-demo-2026"


@dataclass(frozen=True)
class Personas:
    """Who does what in a run. `caseworker` owns the list, search, case pages, writes and
    the routing changes; `exporter` asks for exports (a supervisor or an agency admin)."""

    caseworker: str
    provincial_supervisor: str
    national_supervisor: str
    shelter_staff: str
    exporter: str
    password: str = PASSWORD

    def names(self) -> dict[str, str]:
        return {
            "caseworker": self.caseworker,
            "provincial_supervisor": self.provincial_supervisor,
            "national_supervisor": self.national_supervisor,
            "shelter_staff": self.shelter_staff,
            "exporter": self.exporter,
        }


# The persona contract of `manage.py seed_scale` (scale.admin: agency admin of the agency
# owning the most cases, scale.canbo's).
SCALE_PERSONAS = Personas(
    caseworker="scale.canbo",
    provincial_supervisor="scale.giamsat.tinh",
    national_supervisor="scale.giamsat.quocgia",
    shelter_staff="scale.nhanvien",
    exporter="scale.admin",
)
# `manage.py seed_demo`, for developing the harness: a few cases, every page reachable.
DEMO_PERSONAS = Personas(
    caseworker="canbo.congan",
    provincial_supervisor="giamsat.laocai",
    national_supervisor="giamsat.quocgia",
    shelter_staff="nhanvien.binhyen",
    exporter="giamsat.laocai",
)


@dataclass(frozen=True)
class Dataset:
    """One database to measure: `caunoi_bench_<N>` built by seed_scale, or the demo data."""

    label: str  # "10000", "200000", "demo"
    database: str
    personas: Personas
    seed_command: tuple[str, ...]

    @property
    def victims(self) -> int | None:
        return int(self.label) if self.label.isdigit() else None

    @property
    def description(self) -> str:
        return " ".join(self.seed_command)


def dataset(label: str, prefix: str = "caunoi_bench_", personas_override: dict | None = None) -> Dataset:
    if label.isdigit():
        personas = SCALE_PERSONAS
        seed = ("seed_scale", "--victims", label)
    elif label == "demo":
        personas = DEMO_PERSONAS
        seed = ("seed_demo",)
    else:
        raise ValueError(f"BENCH_SIZES entry {label!r}: give a number of victims or 'demo'")
    if personas_override:
        personas = replace(personas, **personas_override)
    return Dataset(label=label, database=f"{prefix}{label}", personas=personas, seed_command=seed)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _persona_overrides() -> dict[str, str]:
    """BENCH_PERSONAS="caseworker=someone,exporter=other" replaces single personas."""
    overrides = {}
    for part in os.environ.get("BENCH_PERSONAS", "").split(","):
        if "=" in part:
            role, name = (piece.strip() for piece in part.split("=", 1))
            if role not in SCALE_PERSONAS.names() and role != "password":
                raise ValueError(f"BENCH_PERSONAS: unknown role {role!r}")
            overrides[role] = name
    return overrides


def _servers() -> int:
    servers = _int("BENCH_SERVERS", 1)
    if servers < 1:
        raise ValueError(f"BENCH_SERVERS={servers}: give 1 or more")
    return servers


@dataclass(frozen=True)
class Settings:
    sizes: tuple[str, ...] = ("10000", "200000")
    db_prefix: str = "caunoi_bench_"
    postgres_url: str = "postgres://postgres@127.0.0.1:5432"  # without the database name
    redis_url: str = "redis://127.0.0.1:6379"  # without the database number
    broker_db: int = 14  # Redis db for the bench's Celery broker (flushed at start)
    cache_db: int = 12  # Redis db for the Django cache of the bench server (flushed freely)
    gunicorn_workers: int = 5
    gunicorn_threads: int = 1  # above 1: gthread workers, which keep connections alive (decision 271)
    servers: int = 1  # gunicorn instances and Celery workers (BENCH_SERVERS=2: the scaling run)
    celery_concurrency: int = 2
    requests: int = 200  # sequential requests per endpoint (single client)
    warmup: int = 20
    concurrency: int = 5  # clients of the throughput run of each endpoint
    concurrent_requests: int = 100  # requests of that run, shared by the clients
    page_deep: int = 400  # "page 400"
    search: str = "nguyen thi"
    filter_query: str = "status=supporting&children=1"
    export_requests: int = 10
    routing_changes: int = 20
    load_seconds: float = 600.0
    load_users: int = 10
    load_healthz_seconds: float = 60.0
    export_limit: int = 50_000
    export_memory: bool = True
    results_path: Path = ROOT / "bench" / "results.json"
    work_dir: Path = ROOT / "var" / "bench"
    persona_overrides: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Settings":
        defaults = cls()
        sizes = tuple(os.environ.get("BENCH_SIZES", " ".join(defaults.sizes)).split())
        load_seconds = _float("BENCH_LOAD_SECONDS", defaults.load_seconds)
        return cls(
            sizes=sizes,
            db_prefix=os.environ.get("BENCH_DB_PREFIX", defaults.db_prefix),
            postgres_url=os.environ.get("BENCH_POSTGRES_URL", defaults.postgres_url).rstrip("/"),
            redis_url=os.environ.get("BENCH_REDIS_URL", defaults.redis_url).rstrip("/"),
            broker_db=_int("BENCH_BROKER_DB", defaults.broker_db),
            cache_db=_int("BENCH_CACHE_DB", defaults.cache_db),
            gunicorn_workers=_int("BENCH_GUNICORN_WORKERS", defaults.gunicorn_workers),
            gunicorn_threads=_int("BENCH_GUNICORN_THREADS", defaults.gunicorn_threads),
            servers=_servers(),
            celery_concurrency=_int("BENCH_CELERY_CONCURRENCY", defaults.celery_concurrency),
            requests=_int("BENCH_REQUESTS", defaults.requests),
            warmup=_int("BENCH_WARMUP", defaults.warmup),
            concurrency=_int("BENCH_CONCURRENCY", defaults.concurrency),
            concurrent_requests=_int("BENCH_CONCURRENT_REQUESTS", defaults.concurrent_requests),
            page_deep=_int("BENCH_PAGE_DEEP", defaults.page_deep),
            search=os.environ.get("BENCH_SEARCH", defaults.search),
            filter_query=os.environ.get("BENCH_FILTER", defaults.filter_query),
            export_requests=_int("BENCH_EXPORT_REQUESTS", defaults.export_requests),
            routing_changes=_int("BENCH_ROUTING_CHANGES", defaults.routing_changes),
            load_seconds=load_seconds,
            load_users=_int("BENCH_LOAD_USERS", defaults.load_users),
            load_healthz_seconds=_float("BENCH_LOAD_HEALTHZ_SECONDS", min(defaults.load_healthz_seconds, load_seconds)),
            export_limit=_int("BENCH_EXPORT_LIMIT", defaults.export_limit),
            export_memory=os.environ.get("BENCH_EXPORT_MEMORY", "1").lower() not in {"0", "false", "no", "off"},
            results_path=Path(os.environ.get("BENCH_RESULTS", defaults.results_path)),
            work_dir=Path(os.environ.get("BENCH_WORK_DIR", defaults.work_dir)),
            persona_overrides=_persona_overrides(),
        )

    def datasets(self) -> list[Dataset]:
        return [dataset(label, self.db_prefix, self.persona_overrides) for label in self.sizes]

    def database_url(self, database: str) -> str:
        return f"{self.postgres_url}/{database}"

    def redis(self, db: int) -> str:
        return f"{self.redis_url}/{db}"

    def public(self) -> dict:
        """What results.json records about how the run was made."""
        return {
            "sizes": list(self.sizes),
            "gunicorn_workers": self.gunicorn_workers,
            "gunicorn_threads": self.gunicorn_threads,
            "servers": self.servers,
            "celery_concurrency": self.celery_concurrency,
            "requests": self.requests,
            "warmup": self.warmup,
            "concurrency": self.concurrency,
            "concurrent_requests": self.concurrent_requests,
            "page_deep": self.page_deep,
            "search": self.search,
            "filter": self.filter_query,
            "export_requests": self.export_requests,
            "routing_changes": self.routing_changes,
            "load_seconds": self.load_seconds,
            "load_users": self.load_users,
            "load_healthz_seconds": self.load_healthz_seconds,
            "export_limit": self.export_limit,
        }
