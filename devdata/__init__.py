"""Fictional data for development, tests and benchmarks: `seed_demo` and `seed_scale`.

The top layer: it may import every app and no app imports it. It is installed only when
CAUNOI_ENV is not production (config/settings.py), so a production deployment has neither the
commands nor the `--reset` that empties the operational tables.
"""
