#!/usr/bin/env python
import os
import sys

# Commands that serve pages keep the pages' statement timeout and parallel workers; every other
# command (migrate, seed_scale, recompute_rollups, imports, exports) is maintenance and runs under
# the workers' longer timeout with PostgreSQL's own parallel workers, unless
# DATABASE_STATEMENT_TIMEOUT or DATABASE_PARALLEL_WORKERS is set explicitly (decisions 300, 305).
SERVING_COMMANDS = {"runserver"}


def use_maintenance_timeout(argv: list[str], environ) -> None:
    if len(argv) > 1 and argv[1] not in SERVING_COMMANDS:
        environ.setdefault("DATABASE_STATEMENT_TIMEOUT", environ.get("DATABASE_WORKER_STATEMENT_TIMEOUT", "900"))
        environ.setdefault("DATABASE_PARALLEL_WORKERS", "-1")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    use_maintenance_timeout(sys.argv, os.environ)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
