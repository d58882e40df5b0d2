# The two commands of the README: `make run` and `make test`. Everything else is a helper.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
PYTHON ?= python3
# Test workers (pytest-xdist; 0 = one process). Whole files go to a worker, so a module's server starts once.
JOBS   ?= 2
# The AppTests `make check` runs: the frame (filters, links, languages, outages) on the Overview.
CHECK_APPTESTS ?= tests/app/test_shell.py tests/app/test_overview_pacing.py

.PHONY: run test check lint types check-tests venv system-deps seed bench screenshots clean-db load-ws

run: venv system-deps  ## install, create/seed the embedded database if missing, start the app
	$(PY) -m data_access.bootstrap
	$(PY) -m components.cli serve --server.port $(PORT)

test: venv system-deps  ## the whole test suite, what CI runs: every tier (unit, apptest, server, browser) on SQLite, PostgreSQL and MariaDB, on JOBS workers (docs/TESTING.md)
	$(PY) -m pytest -n $(JOBS) --dist loadfile --durations=25

check: lint types check-tests  ## the inner loop, under 2 minutes: ruff (lint + format), mypy, the unit and data-layer tests on SQLite only, the Overview's AppTests; no server, no browser (docs/TESTING.md); the same checks as .pre-commit-config.yaml

lint: venv  ## ruff: lint rules and the formatting (`ruff format .` fixes the latter); CI runs it
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: venv  ## mypy (pyproject.toml: check_untyped_defs on); CI runs it
	$(VENV)/bin/mypy

check-tests: venv  ## the fast tests of make check
	COCKPIT_TEST_DIALECTS=sqlite $(PY) -m pytest -q -n $(JOBS) --dist loadfile -m "not server and not browser" \
		tests/components tests/data_access tests/ask $(CHECK_APPTESTS)

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

system-deps:  ## Debian's chromium + CJK fonts for static exports and browser tests (never a download)
	@bash .ci/system-deps.sh

seed: venv  ## reseed the embedded database: make seed LEARNERS=500000
	$(PY) -m data_access.seed --learners $(or $(LEARNERS),150000) --replace

bench: venv system-deps  ## every page's data at 100 k / 1 M / 10 M events (SQLite) and 1 M / 10 M (PostgreSQL), side by side with the floor and the naive pattern; rewrites the table in docs/PERFORMANCE.md. Smaller: make bench BENCH_ARGS="--sqlite 100000 --postgresql --no-browser"
	$(PY) bench/scale_bench.py --write-docs $(BENCH_ARGS)

.PHONY: load-ws
load-ws: venv  ## server capacity without browsers: SESSIONS (default "50 100") sessions speaking Streamlit's websocket protocol, the same walk as make load, THINK seconds between views (default 30); URL=http://127.0.0.1:8500 drives make cluster instead of a server it starts (docs/PERFORMANCE.md)
	$(PY) bench/ws_load.py --sessions $(or $(SESSIONS),50 100) --think $(or $(THINK),30) $(if $(URL),--url $(URL),)

.PHONY: load
load: venv system-deps  ## many users: SESSIONS (default 20) concurrent Chromium sessions x 10 filter changes, app vs the floor app (docs/PERFORMANCE.md); make load SESSIONS=5
	$(PY) bench/load.py --sessions $(or $(SESSIONS),20) --changes 10 --target both

screenshots: venv  ## docs/screenshots/: every page in both languages (headless Debian chromium)
	$(PY) bench/screenshots.py

clean-db:  ## delete the embedded database (it is recreated on the next `make run`)
	rm -f data/cockpit.db data/cockpit.db-wal data/cockpit.db-shm

.PHONY: cluster
cluster: venv system-deps  ## two app replicas behind nginx on 127.0.0.1:8500 against PostgreSQL (database cockpit_cluster, created and seeded if missing; docs/SCALING.md); make cluster CLUSTER_PORT=8600 REPLICAS=3
	$(PY) deploy/cluster/run.py --port $(or $(CLUSTER_PORT),8500) --replicas $(or $(REPLICAS),2)
