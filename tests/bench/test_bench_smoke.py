"""`make bench` end to end at a tiny scale: the demo data, a few requests, five seconds of load.

Runs the harness as `make bench` does (a process of its own that creates, migrates and seeds
its database, starts gunicorn and a Celery worker, signs in through the forms), against a
database and Redis databases of its own, so it never touches the test database or a real
benchmark's. The database is kept between runs: seeding it again is the slow part.
"""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.services import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def _base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    env = {
        **os.environ,
        "BENCH_SIZES": "demo",
        "BENCH_DB_PREFIX": "caunoi_bench_smoke_",
        "BENCH_POSTGRES_URL": _base(os.environ["DATABASE_URL"]),
        "BENCH_REDIS_URL": _base(os.environ["CELERY_BROKER_URL"]),
        "BENCH_BROKER_DB": "13",
        "BENCH_CACHE_DB": "11",
        "BENCH_GUNICORN_WORKERS": "2",
        "BENCH_SERVERS": "2",
        "BENCH_CELERY_CONCURRENCY": "1",
        "BENCH_REQUESTS": "10",
        "BENCH_WARMUP": "2",
        "BENCH_CONCURRENCY": "2",
        "BENCH_CONCURRENT_REQUESTS": "10",
        "BENCH_ROUTING_CHANGES": "2",
        "BENCH_EXPORT_REQUESTS": "1",
        "BENCH_LOAD_SECONDS": "5",
        "BENCH_LOAD_USERS": "3",
        "BENCH_LOAD_HEALTHZ_SECONDS": "2",
        "BENCH_EXPORT_LIMIT": "100",
        "BENCH_RESULTS": str(folder / "results.json"),
        "BENCH_WORK_DIR": str(folder / "work"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((folder / "results.json").read_text()), done.stdout


def test_the_run_records_when_where_and_how(results):
    found, _output = results
    assert found["date"]
    assert found["machine"]["cores"] >= 1
    assert found["machine"]["memory_gb"] > 0
    assert found["machine"]["postgresql"][:2].isdigit()
    assert len(found["machine"]["git_head"]) == 40
    assert found["settings"]["requests"] == 10
    assert set(found["sizes"]) == {"demo"}
    assert found["sizes"]["demo"]["intact"] is True
    assert len(found["machine"]["load_average_at_end"]) == 3


def test_healthz_and_the_case_list_are_measured_without_errors_and_with_query_counts(results):
    pages = results[0]["sizes"]["demo"]["endpoints"]
    for name in ("healthz", "case_list_page1"):
        page = pages[name]
        assert page["requests"] == 10
        assert page["errors"] == 0
        assert page["statuses"] == {"200": 10}
        assert 0 < page["p50_ms"] <= page["p95_ms"] <= page["p99_ms"]
        assert page["queries"]["max"] >= 1
        assert page["concurrent"]["requests"] == 10
        assert page["concurrent"]["rps"] > 0
    assert pages["case_list_page1"]["p95_vs_healthz"] > 0


def test_every_page_of_the_table_is_measured(results):
    found, output = results
    pages = found["sizes"]["demo"]["endpoints"]
    expected = {
        "healthz",
        "case_list_page1",
        "case_list_deep",
        "case_list_filtered",
        "search",
        "search_names",
        "case_page",
        "inbox",
        "dashboard_province_uncached",
        "dashboard_province_cached",
        "dashboard_national_uncached",
        "dashboard_national_cached",
        "export_request",
    }
    assert set(pages) == expected
    for name, page in pages.items():
        assert page["requests"] >= 1, name
        assert page["p95_ms"] is not None, name
    assert "| case list, page 1 |" in output


def test_routing_exports_load_and_export_memory_are_reported(results):
    found, _output = results
    demo = found["sizes"]["demo"]
    assert demo["routing"]["routed"] == 2
    assert demo["routing"]["p95_ms"] > 0
    assert demo["export"]["whole_list_job"]["status"] == "done"
    assert found["load"]["requests"] > 0
    assert found["load"]["healthz"]["rps"] > 0
    assert found["load"]["throughput_vs_healthz_pct"] > 0
    # BENCH_SERVERS=2: the same users on one server and spread over two, in alternating windows.
    scaled = found["load"]["scaling"]
    assert scaled["servers"] == 2
    assert scaled["one_server"]["requests"] > 0 and scaled["all_servers"]["requests"] > 0
    assert scaled["one_server"]["errors"] == scaled["all_servers"]["errors"] == 0
    assert scaled["throughput_ratio"] > 0
    assert demo["export"]["request"]["healthz"]["requests"] == 1  # its own /healthz, interleaved
    assert found["export_memory"]["rows"] > 0
    assert found["export_memory"]["growth_mb"] >= 0
    assert {check["target"][:2] for check in found["checks"]["checks"]} >= {"P1", "P2", "P7", "P8", "P9"}
