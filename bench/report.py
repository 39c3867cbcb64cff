"""Ratios across a run, the QUALITY targets checked against it, and the printed table."""

from bench import stats

# Rows of the table, in order: results key → label.
ROWS = {
    "healthz": "/healthz",
    "case_list_page1": "case list, page 1",
    "case_list_deep": "case list, page 400",
    "case_list_filtered": "case list, filtered",
    "search": "name search",
    "search_names": "name search, the mix's 10 names",
    "case_page": "case page",
    "inbox": "referral inbox",
    "dashboard_province_uncached": "dashboard, province, uncached",
    "dashboard_province_cached": "dashboard, province, cached",
    "dashboard_national_uncached": "dashboard, national, uncached",
    "dashboard_national_cached": "dashboard, national, cached",
    "export_request": "export request (POST)",
}
# QUALITY states its targets at 200,000 victims, P4 and the inbox also at 1,000,000 (issue 18).
TARGET_SIZES = ("200000", "1000000")


def _number(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}"


def size_order(labels) -> list[str]:
    """Numbers ascending, named data sets (demo) first."""
    return sorted(labels, key=lambda label: (label.isdigit(), int(label) if label.isdigit() else 0, label))


def healthz_p95(page: dict) -> float | None:
    """The p95 of the /healthz requests interleaved with this page's own (`measure.sequential`)."""
    return (page.get("healthz") or {}).get("p95_ms")


def relative_p95(page: dict, other: dict) -> float | None:
    """p95 of `page` over p95 of `other`, each first divided by its own /healthz."""
    return stats.rounded(
        stats.relative_ratio(page.get("p95_ms"), healthz_p95(page), other.get("p95_ms"), healthz_p95(other))
    )


def across_sizes(sizes: dict) -> dict:
    """Every page at the largest size against the same at the smallest, each p95 divided by the
    /healthz measured beside it: the sizes are measured minutes apart, and a raw quotient of
    p95s would mix the machine's load with the data's size (it once printed 0.72)."""
    order = size_order(sizes)
    if len(order) < 2:
        return {}
    small, large = sizes[order[0]]["endpoints"], sizes[order[-1]]["endpoints"]
    found = {}
    for name in ROWS:
        if name in small and name in large:
            found[name] = relative_p95(large[name], small[name])
    return {"larger": order[-1], "smaller": order[0], "p95_ratio": found, "divided_by": "healthz of the same moment"}


def _check(target: str, measured, limit, *, at_most: bool = True, unit: str = "") -> dict:
    if measured is None:
        passed = None
    else:
        passed = measured <= limit if at_most else measured >= limit
    return {
        "target": target,
        "measured": measured,
        "relation": "≤" if at_most else "≥",
        "limit": limit,
        "unit": unit,
        "passed": passed,
    }


def checks(results: dict) -> dict:
    """QUALITY P1–P9 and issue 18's inbox target against the largest data set of the run."""
    sizes = results["sizes"]
    if not sizes:
        return {}
    label = size_order(sizes)[-1]
    size = sizes[label]
    pages = size["endpoints"]

    def get(name, key):
        return pages.get(name, {}).get(key)

    def queries(name):
        return (pages.get(name, {}).get("queries") or {}).get("max")

    ratio = results.get("across_sizes", {}).get("p95_ratio", {}).get("case_list_page1")
    load = results.get("load") or {}
    routing = size.get("routing") or {}
    memory = results.get("export_memory") or {}
    found = [
        _check("P1 case list queries", queries("case_list_page1"), 12),
        _check("P1 case page queries", queries("case_page"), 20),
        _check("P1 inbox queries", queries("inbox"), 12),
        _check("P1 dashboard queries (national, uncached)", queries("dashboard_national_uncached"), 15),
        _check("P2 case list p95", get("case_list_page1", "p95_ms"), 150, unit="ms"),
        _check("P2 case list p95 larger/smaller data", ratio, 1.5, unit="×"),
        _check("P2 page 400 / page 1 (p95)", size.get("ratios", {}).get("deep_vs_page1"), 1.5, unit="×"),
        _check("P3 case page p95", get("case_page", "p95_ms"), 120, unit="ms"),
        _check("P4 province dashboard uncached p95", get("dashboard_province_uncached", "p95_ms"), 300, unit="ms"),
        _check("P4 national dashboard uncached p95", get("dashboard_national_uncached", "p95_ms"), 500, unit="ms"),
        _check("P4 national dashboard cached p95", get("dashboard_national_cached", "p95_ms"), 40, unit="ms"),
        # P10 (issue 18): the inbox of a receiving agency at national scale.
        _check("P10 inbox p95", get("inbox", "p95_ms"), 60, unit="ms"),
        _check("P5 case list page 1 SQL time p95", get("case_list_page1", "db_ms_p95"), 25, unit="ms"),
        _check("P6 name search p95", get("search", "p95_ms"), 200, unit="ms"),
        _check("P6 name search p95, the mixed load's names", get("search_names", "p95_ms"), 200, unit="ms"),
        _check("P7 errors under mixed load", load.get("errors"), 0),
        _check("P7 p95 under mixed load", load.get("p95_ms"), 400, unit="ms"),
        _check("P7 throughput vs /healthz", load.get("throughput_vs_healthz_pct"), 15, at_most=False, unit="%"),
        _check("P8 routing p95", routing.get("p95_ms"), 1000, unit="ms"),
        _check("P9 export memory growth", memory.get("growth_mb"), 150, unit="MB"),
    ]
    note = "" if label in TARGET_SIZES else f"data set {label}: the targets are stated at 200,000 and 1,000,000 victims"
    return {"size": label, "note": note, "checks": found}


def table(results: dict) -> str:
    """The run as Markdown: one row per page, a column group per data set."""
    sizes = results["sizes"]
    order = size_order(sizes)
    ratios = results.get("across_sizes", {}).get("p95_ratio", {})
    header = ["page"]
    for label in order:
        header += [f"{label}: p50 / p95 / p99 ms", "req/s 1 / N clients", "queries", "p95 ÷ healthz", "load"]
    if ratios:
        across = results["across_sizes"]
        header.append(f"(p95 ÷ healthz) {across['larger']} ÷ {across['smaller']}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, title in ROWS.items():
        if not any(name in sizes[label]["endpoints"] for label in order):
            continue
        row = [title]
        for label in order:
            row += _cells(sizes[label]["endpoints"].get(name), name)
        if ratios:
            row.append(_number(ratios.get(name), 2))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _cells(page: dict | None, name: str) -> list[str]:
    if page is None:
        return ["—"] * 5
    latency = f"{_number(page['p50_ms'], 1)} / {_number(page['p95_ms'], 1)} / {_number(page['p99_ms'], 1)}"
    if page.get("errors"):
        latency += f" ({page['errors']} errors)"
    if name == "case_list_deep" and page.get("reached_page"):
        latency += f" (page {page['reached_page']})"
    throughput = f"{_number(page.get('rps_single'), 1)} / {_number((page.get('concurrent') or {}).get('rps'), 1)}"
    queries = page.get("queries") or {}
    counted = _number(queries.get("max"))
    if queries.get("median") is not None and queries.get("median") != queries.get("max"):
        counted = f"{_number(queries['median'])}–{counted}"
    load = " → ".join(_number(value, 1) for value in page.get("load_average") or []) or "—"
    return [latency, throughput, counted, _number(page.get("p95_vs_healthz"), 1), load]


def summary_lines(results: dict) -> list[str]:
    """What does not fit the table: ratios, routing, exports, load, memory, the checks."""
    lines = []
    for label in size_order(results["sizes"]):
        size = results["sizes"][label]
        ratios = size.get("ratios", {})
        lines.append(
            f"- **{label}** ({size['dataset']}): page {ratios.get('deep_page')} ÷ page 1 p95 (each ÷ its /healthz) = "
            f"{_number(ratios.get('deep_vs_page1'), 2)}; cache: {size['cache']['note']}"
        )
        if size.get("intact") is False:
            lines.append("  - **INVALID**: the database was emptied or rebuilt during the run")
        routing = size.get("routing") or {}
        if routing:
            lines.append(
                f"  - P8 routing ({routing.get('routed')}/{routing.get('changes')} routed): "
                f"p50 {_number(routing.get('p50_ms'))} ms, p95 {_number(routing.get('p95_ms'))} ms "
                f"(server side p95 {_number(routing.get('server_p95_ms'))} ms)"
            )
        export = size.get("export") or {}
        if export:
            whole = export["whole_list_job"]
            lines.append(
                f"  - export as {export['persona']}: request p95 {_number(export['request']['p95_ms'], 1)} ms; "
                f"whole list ({whole['rows']} rows, {whole['format']}) done in "
                f"{_number(whole['completion_ms'])} ms ({whole['status']})"
            )
    load = results.get("load")
    if load:
        lines.append(
            f"- **P7 mixed load** ({load['size']}, {load['users']} users, {load['seconds']} s): "
            f"{load['requests']} requests, {load['errors']} errors, p95 {_number(load['p95_ms'])} ms, "
            f"{_number(load['rps'], 1)} req/s = {_number(load['throughput_vs_healthz_pct'], 1)}% of /healthz "
            f"({_number(load['healthz']['rps'], 1)} req/s); load average "
            + " → ".join(_number(value, 1) for value in load.get("load_average") or [])
        )
    scaling = (load or {}).get("scaling")
    if scaling:
        one, spread = scaling["one_server"], scaling["all_servers"]
        lines.append(
            f"- **{scaling['servers']} servers** ({scaling['users']} users, windows alternating): "
            f"{_number(one['rps'], 1)} req/s on one, {_number(spread['rps'], 1)} req/s over "
            f"{scaling['servers']} = ×{_number(scaling['throughput_ratio'], 2)} "
            f"(p95 {_number(one['p95_ms'])} → {_number(spread['p95_ms'])} ms, errors {one['errors']} / "
            f"{spread['errors']}); /healthz ×{_number(scaling['healthz_throughput_ratio'], 2)}"
        )
    memory = results.get("export_memory")
    if memory:
        if "error" in memory:
            lines.append(f"- **P9 export memory**: failed: {memory['error']}")
        else:
            lines.append(
                f"- **P9 export memory** ({memory['size']}): {memory['rows']} rows {memory['format']} in "
                f"{memory['seconds']} s, peak RSS +{memory['growth_mb']} MB — {memory['mode']}"
            )
    found = results.get("checks") or {}
    if found.get("checks"):
        lines.append(f"- **Targets** (data set {found['size']}){': ' + found['note'] if found['note'] else ''}:")
        for check in found["checks"]:
            mark = {True: "pass", False: "FAIL", None: "not measured"}[check["passed"]]
            measured = check["measured"]
            shown = "—" if measured is None else f"{measured}{check['unit']}"
            target = f"{check['relation']} {check['limit']}{check['unit']}"
            lines.append(f"  - {check['target']}: {shown} ({target}) {mark}")
    return lines
