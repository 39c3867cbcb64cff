"""Performance benchmarks of QUALITY P1–P9: `make bench` (bench/run.py), docs/benchmarks.md."""
