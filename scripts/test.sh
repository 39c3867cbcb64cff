#!/usr/bin/env bash
# The whole suite. Under CI=true it uses PostgreSQL, Redis, a real Celery worker and headless
# Chromium and fails if one is missing; otherwise it uses what answers and says what it skips.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export CAUNOI_ENV=test
ci=false
case "${CI:-}" in 1|true|TRUE|yes) ci=true ;; esac

answers() { "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PYEOF
}

if [ "$ci" = true ]; then
  export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/caunoi}
  export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}
  answers 127.0.0.1 5432 || { echo "CI: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
  answers 127.0.0.1 6379 || { echo "CI: Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || { echo "CI: Chromium is missing" >&2; exit 1; }
else
  if [ -z "${DATABASE_URL:-}" ] && answers 127.0.0.1 5432; then
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/caunoi
  fi
  if [ -z "${CELERY_BROKER_URL:-}" ] && answers 127.0.0.1 6379; then
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/15
  fi
fi
echo "test services: database=${DATABASE_URL:-sqlite} broker=${CELERY_BROKER_URL:-eager} chromium=$([ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && echo yes || echo no)"

set -e
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Types of every app's access, actions and lib modules (pyproject.toml [tool.mypy], decision 148);
# the cache in .mypy_cache makes a re-run take seconds.
.venv/bin/mypy
"$PY" manage.py makemigrations --check --dry-run
"$PY" manage.py check
set +e
# Two workers for the two cores; PYTEST_WORKERS=0 runs in one process (easier debugging).
"$PY" -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
