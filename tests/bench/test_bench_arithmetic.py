"""The benchmark's arithmetic and page reading, without a server."""

from email.message import Message

import pytest

from bench import report, scaling, stats
from bench.client import Response
from bench.html import find_form, parse
from bench.measure import Sample, take
from bench.pages import _changed_params, case_links, next_link

# ----- percentiles and ratios ---------------------------------------------------------------


def test_percentile_interpolates_between_closest_ranks_like_numpy():
    assert stats.percentile([1, 2, 3, 4], 50) == 2.5
    assert stats.percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert stats.percentile([4, 1, 3, 2], 0) == 1
    assert stats.percentile([4, 1, 3, 2], 100) == 4


def test_percentile_of_one_value_is_that_value_and_of_none_is_none():
    assert stats.percentile([7.5], 99) == 7.5
    assert stats.percentile([], 50) is None


def test_percentile_refuses_a_rank_outside_0_to_100():
    with pytest.raises(ValueError):
        stats.percentile([1, 2], 101)


def test_p95_of_a_hundred_requests_ignores_the_slowest_few():
    durations = [10.0] * 95 + [1000.0] * 5
    assert stats.percentile(durations, 95) == pytest.approx(59.5)
    assert stats.percentile(durations, 50) == 10.0


def test_ratio_is_none_when_either_side_is_missing_or_the_divisor_is_zero():
    assert stats.ratio(30, 20) == 1.5
    assert stats.ratio(None, 20) is None
    assert stats.ratio(30, None) is None
    assert stats.ratio(30, 0) is None


def test_latency_summary_gives_percentiles_mean_and_max():
    summary = stats.latency_summary([10, 20, 30, 40, 50])
    assert summary == {"p50_ms": 30, "p95_ms": 48.0, "p99_ms": 49.6, "mean_ms": 30.0, "max_ms": 50}
    assert stats.latency_summary([])["p95_ms"] is None


def test_query_counts_skip_responses_without_the_header():
    assert stats.count_summary([9, None, 9, 11]) == {"median": 9.0, "max": 11}
    assert stats.count_summary([None, None]) == {"median": None, "max": None}


def test_throughput_is_requests_per_second():
    assert stats.throughput(50, 2.0) == 25.0
    assert stats.throughput(50, 0) is None


# ----- ratios across data sets and the targets ------------------------------------------------


def _size(healthz_p95: float = 2.0, **p95):
    """Pages with their p95 and the p95 of the /healthz requests interleaved with them."""
    return {"endpoints": {name: {"p95_ms": value, "healthz": {"p95_ms": healthz_p95}} for name, value in p95.items()}}


def test_sizes_are_ordered_by_number_with_named_data_sets_first():
    assert report.size_order(["200000", "10000", "demo"]) == ["demo", "10000", "200000"]


def test_across_sizes_divides_the_largest_data_set_by_the_smallest():
    sizes = {
        "200000": _size(healthz=2.0, case_list_page1=60.0),
        "10000": _size(healthz=2.0, case_list_page1=40.0),
    }
    found = report.across_sizes(sizes)
    assert found["larger"] == "200000"
    assert found["smaller"] == "10000"
    assert found["p95_ratio"] == {"healthz": 1.0, "case_list_page1": 1.5}


def test_across_sizes_divides_each_size_by_its_own_healthz_first():
    """The 200k pages were measured on a busier machine (its /healthz p95 3 ms, 10k's 1.5 ms).
    The list's raw 90 ÷ 100 would be 0.9; over their own /healthz it is 30 ÷ 66.7 = 0.45. A
    page twice as slow on a machine twice as slow has not grown: 1.0."""
    sizes = {
        "200000": _size(healthz_p95=3.0, case_list_page1=90.0, case_page=60.0),
        "10000": _size(healthz_p95=1.5, case_list_page1=100.0, case_page=30.0),
    }
    found = report.across_sizes(sizes)["p95_ratio"]
    assert found["case_list_page1"] == 0.45  # (90 / 3) / (100 / 1.5)
    assert found["case_page"] == 1.0  # twice the time on a machine twice as slow


def test_a_ratio_without_its_healthz_is_not_given():
    sizes = {"200000": _size(case_list_page1=90.0), "10000": _size(case_list_page1=100.0)}
    del sizes["10000"]["endpoints"]["case_list_page1"]["healthz"]
    assert report.across_sizes(sizes)["p95_ratio"]["case_list_page1"] is None
    assert stats.relative_ratio(10, 2, 5, None) is None
    assert stats.relative_ratio(10, 2, 5, 0) is None


def test_page_400_over_page_1_divides_each_by_the_healthz_beside_it():
    deep = {"p95_ms": 40.0, "healthz": {"p95_ms": 4.0}}
    first = {"p95_ms": 20.0, "healthz": {"p95_ms": 2.0}}
    assert report.relative_p95(deep, first) == 1.0


def test_one_data_set_has_no_ratio_across_sizes():
    assert report.across_sizes({"demo": _size(healthz=2.0)}) == {}


def test_checks_pass_at_the_limit_and_fail_above_it_and_say_when_not_measured():
    results = {
        "sizes": {
            "200000": {
                "endpoints": {
                    "case_list_page1": {"p95_ms": 150.0, "queries": {"max": 13}, "db_ms_p95": 10.0},
                    "case_page": {"p95_ms": 121.0, "queries": {"max": 20}},
                    "dashboard_province_uncached": {"p95_ms": 300.0},
                    "dashboard_national_cached": {"p95_ms": 40.1},
                    "inbox": {"p95_ms": 60.0},
                },
                "ratios": {"deep_vs_page1": 1.2},
            }
        },
        "load": {"errors": 0, "p95_ms": 400.0, "throughput_vs_healthz_pct": 14.9},
    }
    found = {check["target"]: check["passed"] for check in report.checks(results)["checks"]}
    assert found["P7 p95 under mixed load"] is True
    assert found["P4 province dashboard uncached p95"] is True
    assert found["P4 national dashboard cached p95"] is False
    assert found["P10 inbox p95"] is True
    assert found["P7 throughput vs /healthz"] is False
    results["load"]["throughput_vs_healthz_pct"] = 15.0
    found = {check["target"]: check["passed"] for check in report.checks(results)["checks"]}
    assert found["P2 case list p95"] is True
    assert found["P1 case list queries"] is False
    assert found["P3 case page p95"] is False
    assert found["P2 page 400 / page 1 (p95)"] is True
    assert found["P7 throughput vs /healthz"] is True
    assert found["P8 routing p95"] is None
    assert report.checks(results)["note"] == ""
    results["sizes"]["1000000"] = results["sizes"].pop("200000")
    assert report.checks(results)["note"] == ""


# ----- one server against several -------------------------------------------------------------


def _samples(count: int, ms: float = 10.0, errors: int = 0) -> dict[str, list[Sample]]:
    return {"case_list": [Sample(ms, 200, 5, 1.0, "" if index >= errors else "HTTP 500") for index in range(count)]}


def test_the_configurations_alternate_so_each_goes_first_as_often():
    assert scaling.order(3) == ["one", "all", "all", "one", "one", "all"]
    assert scaling.order(2).count("one") == scaling.order(2).count("all") == 2


def test_a_tally_adds_its_windows_before_dividing():
    tally = scaling.Tally()
    tally.add(_samples(30), 2.0)
    tally.add(_samples(10, ms=30.0, errors=1), 2.0)
    found = tally.summary()
    # 40 requests in 4 s, not the mean of 15 and 5 req/s of the windows taken separately
    assert found == {"seconds": 4.0, "requests": 40, "errors": 1, "rps": 10.0, "p95_ms": 30.0}


def test_the_scaling_ratio_is_all_servers_over_one_of_the_same_windows():
    one, spread, healthz_one, healthz_all = (scaling.Tally() for _ in range(4))
    one.add(_samples(100), 10.0)
    spread.add(_samples(150), 10.0)
    healthz_one.add(_samples(400, ms=2.0), 1.0)
    healthz_all.add(_samples(600, ms=2.0), 1.0)
    found = scaling.report(2, 10, one, spread, healthz_one, healthz_all)
    assert (found["one_server"]["rps"], found["all_servers"]["rps"]) == (10.0, 15.0)
    assert found["throughput_ratio"] == 1.5
    assert found["healthz_throughput_ratio"] == 1.5
    empty = scaling.report(2, 10, scaling.Tally(), spread, healthz_one, healthz_all)
    assert empty["throughput_ratio"] is None


def test_the_summary_reports_the_scaling_run():
    found = {"one_server": {"rps": 10.0, "p95_ms": 300.0, "errors": 0}}
    found |= {"all_servers": {"rps": 12.0, "p95_ms": 250.0, "errors": 0}, "servers": 2, "users": 10}
    found |= {"throughput_ratio": 1.2, "healthz_throughput_ratio": 1.1}
    load = {"size": "demo", "users": 10, "seconds": 30, "requests": 1, "errors": 0, "p95_ms": 1.0, "rps": 1.0}
    load |= {"throughput_vs_healthz_pct": 10.0, "healthz": {"rps": 10.0}, "scaling": found}
    lines = report.summary_lines({"sizes": {}, "load": load})
    assert any("10.0 req/s on one, 12.0 req/s over 2 = ×1.20" in line for line in lines)


# ----- reading pages --------------------------------------------------------------------------

PAGE = """
<table><tr><td><a href="/cases/0b0e7c0e-6d1c-4b8e-9a57-2f3c7d9e1a11/">LCA-2026-1</a></td></tr>
<tr><td><a href="/cases/0b0e7c0e-6d1c-4b8e-9a57-2f3c7d9e1a11/">again</a></td></tr>
<tr><td><a href="/cases/new/?restart=1">new</a></td></tr></table>
<nav aria-label="Phân trang"><a href="?q=nguyen&amp;page=1" rel="prev">Trang trước</a>
<a class="btn" rel="next" href="?q=nguyen&amp;page=3&amp;after=0b0e7c0e-6d1c-4b8e-9a57-2f3c7d9e1a11">Trang sau</a></nav>
<form method="post" action="/cases/0b0e7c0e-6d1c-4b8e-9a57-2f3c7d9e1a11/notes/">
<input type="hidden" name="csrfmiddlewaretoken" value="tok">
<textarea name="body">
</textarea>
<select name="sensitivity"><option value="core">core</option>
<option value="identity" selected>identity</option></select>
<input type="checkbox" name="urgent" value="1"><button name="next" value="1">Go</button>
</form>
"""


def _response(body: str, url: str = "http://127.0.0.1:9/?q=nguyen&page=2") -> Response:
    return Response("GET", url, 200, {}, body.encode(), 1.0)


def test_case_links_are_the_case_pages_once_each_in_order():
    assert case_links(_response(PAGE)) == ["/cases/0b0e7c0e-6d1c-4b8e-9a57-2f3c7d9e1a11/"]


def test_the_next_link_is_found_by_rel_and_made_absolute():
    assert next_link(_response(PAGE)) == (
        "http://127.0.0.1:9/?q=nguyen&page=3&after=0b0e7c0e-6d1c-4b8e-9a57-2f3c7d9e1a11"
    )


def test_the_next_link_is_found_by_its_words_without_rel():
    body = '<a href="?page=2">Trang sau</a>'
    assert next_link(_response(body, "http://127.0.0.1:9/")) == "http://127.0.0.1:9/?page=2"
    assert next_link(_response('<a href="?page=2">2</a>', "http://127.0.0.1:9/")) is None


def test_numbered_pages_change_only_the_page_and_cursor_pages_change_more():
    here = "http://127.0.0.1:9/?status=closed&page=1"
    assert _changed_params(here, "http://127.0.0.1:9/?status=closed&page=2") == {"page"}
    assert _changed_params(here, "http://127.0.0.1:9/?status=closed&page=2&after=abc") == {"page", "after"}


def test_a_form_sends_its_hidden_fields_selected_options_and_unchecked_boxes_not():
    form = find_form(parse(PAGE), action_contains="/notes/")
    assert form.method == "post"
    assert form.value("csrfmiddlewaretoken") == "tok"
    assert form.value("sensitivity") == "identity"
    assert form.value("urgent") is None
    assert form.options["sensitivity"] == [("core", "core"), ("identity", "identity")]
    assert form.buttons == [("next", "1")]
    assert form.filled({"body": "hello"}) == [
        ("csrfmiddlewaretoken", "tok"),
        ("sensitivity", "identity"),
        ("body", "hello"),
    ]


# ----- what counts as an error ----------------------------------------------------------------


def _answer(status: int, location: str = ""):
    headers = Message()
    if location:
        headers["Location"] = location
    return lambda: Response("GET", "http://127.0.0.1:9/", status, headers, b"", 12.5)


def test_an_answer_outside_2xx_3xx_or_an_exception_is_an_error():
    assert take(_answer(200)).ok
    assert take(_answer(302, "/cases/x/")).ok
    assert take(_answer(404)).error == "HTTP 404"

    def broken():
        raise ConnectionResetError("reset")

    sample = take(broken)
    assert not sample.ok
    assert sample.status == 0
    assert "ConnectionResetError" in sample.error


def test_a_redirect_to_the_sign_in_or_where_the_page_was_expected_is_an_error():
    assert not take(_answer(302, "/sign-in/?next=/")).ok
    assert not take(_answer(302, "/agency/"), expect=200).ok
    assert take(_answer(302, "/dashboards/exports/"), expect=302).ok
