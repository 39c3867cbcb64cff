# Cầu Nối — the two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test worker beat relay lint format messages vendor clean bench

$(VENV)/.installed: requirements.txt requirements-dev.txt scripts/bootstrap.sh
	bash scripts/bootstrap.sh

## run: SQLite, Celery eager, demo data, server on http://127.0.0.1:8000
run: $(VENV)/.installed
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## test: lint, types (mypy), migrations check, the whole pytest suite (CI=true: real services, no skips)
test: $(VENV)/.installed
	bash scripts/test.sh

## worker / beat: Celery over Redis (set DATABASE_URL and CELERY_BROKER_URL)
worker: $(VENV)/.installed
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

# The outbox relay and the beat's sweeps in a process of their own (decision 240).
relay: $(VENV)/.installed
	$(VENV)/bin/python manage.py relay_outbox --sweeps

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## messages: refresh locale/*/LC_MESSAGES/django.po and compile them
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l vi -l en --no-obsolete --no-location -i ".venv/*" -i "var/*"
	$(PY) scripts/compile_messages.py

## bench: QUALITY P1–P9 against seeded PostgreSQL data (BENCH_SIZES="10000 200000"); docs/benchmarks.md
bench: $(VENV)/.installed
	$(PY) -m bench.run

## vendor: re-vendor htmx and Bootstrap from the npm registry
vendor:
	bash scripts/vendor_assets.sh

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
