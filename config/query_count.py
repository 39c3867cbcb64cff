"""Per-request SQL counts for the benchmarks (bench/): `X-Query-Count` and `Server-Timing`.

Installed only when CAUNOI_QUERY_COUNT=1 (config/settings.py), first in the chain so the
session, membership and audit queries of the other middleware count too. The wrapper only
counts and times; it never records the SQL, so it costs microseconds, not memory.
"""

import time

from django.db import connection


class _Counter:
    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(counter.count)
        response["Server-Timing"] = f"db;dur={counter.seconds * 1000:.2f}"
        return response
