# kikin: `make demo` serves the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install system-deps bench lint messages clean

$(STAMP): pyproject.toml
	@python=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$python -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

system-deps:
	@scripts/system-deps

demo: $(STAMP)
	$(PY) -m kikin.manage migrate --noinput
	$(PY) -m kikin.manage load_plan
	$(PY) -m kikin.manage load_budget_frames
	$(PY) -m kikin.manage load_demo
	$(PY) -m kikin.manage demo_banner --address http://$(HOST):$(PORT)/
	$(PY) -m kikin.manage runserver --noreload $(HOST):$(PORT)

test: $(STAMP) system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks print one JSON object of figures and targets on their last line. bench/pages.py
# needs PostgreSQL (it makes its own database, kikin_bench).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
bench: $(STAMP)
	@failed=0; for f in bench/[!_]*.py; do echo "== $$f"; DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) $$f || failed=1; done; exit $$failed

messages: $(STAMP)
	cd src/kikin && ../../$(PY) -m kikin.manage makemessages -l ja --no-location && ../../$(PY) -m kikin.manage compilemessages

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache
