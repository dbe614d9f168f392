# kikin: `make demo` serves the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install system-deps bench lint messages clean backup restore

$(STAMP): pyproject.toml
	@python=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$python -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

system-deps:
	@scripts/system-deps

# The demo runs what production runs (gunicorn and the Celery worker, `kikin serve`) with the
# demo's settings: SQLite and a broker in files, nothing else to install.
demo: export KIKIN_ENV := demo
demo: $(STAMP)
	$(PY) -m kikin.manage migrate --noinput
	$(PY) -m kikin.manage createcachetable
	$(PY) -m kikin.manage load_plan
	$(PY) -m kikin.manage load_budget_frames
	$(PY) -m kikin.manage load_demo
	$(VENV)/bin/kikin serve --host $(HOST) --port $(PORT) --web-workers 2 --demo-banner

test: $(STAMP) system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks print one JSON object of figures and targets on their last line. bench/pages.py
# needs PostgreSQL (it makes its own database, kikin_bench).
# They run with the settings' test mode (KIKIN_ENV=test: Django's test client, jobs run at once);
# bench/deadline.py starts real production servers of its own.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
bench: export KIKIN_ENV ?= test
bench: $(STAMP)
	@failed=0; for f in bench/[!_]*.py; do echo "== $$f"; DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) $$f || failed=1; done; exit $$failed

# Backups of the database and the file store, with the settings of the environment (for the
# demo: KIKIN_ENV=demo make backup). make restore FROM=backups/kikin-… into an empty database
# and store only; it checks every table's rows and every file against the backup.
BACKUP_DIR ?= backups
backup: $(STAMP)
	$(PY) -m kikin.manage backup --to $(BACKUP_DIR)

restore: $(STAMP)
	@[ -n "$(FROM)" ] || { echo "usage: make restore FROM=$(BACKUP_DIR)/kikin-YYYYmmdd-HHMMSS"; exit 2; }
	$(PY) -m kikin.manage restore $(FROM)

# Lint: ruff's formatter and linter, and the import direction (import-linter's contracts);
# all configured in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports --no-cache

# Extract the messages, keep every translation already made (strings move between the apps'
# catalogues), add those of $(JA) (a JSON file {"English": "日本語"}), compile, list what is left.
messages: $(STAMP)
	$(PY) scripts/messages.py $(JA)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache queue celerybeat-schedule*
