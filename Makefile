# Cụm thi đua — everything a newcomer needs is `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-all test-browser lint format messages clean bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Open http://$(HOST):$(PORT)/ — log in as bacninh / demo12345 (see README for all accounts)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite on SQLite, on $(PYTEST_WORKERS) processes (pytest-xdist; PYTEST_WORKERS=0 runs
# it in this one), then the tests marked `serial` (unsafe beside another test process;
# none may be there: pytest's "no tests ran" is fine) on their own. Browser tests (need
# Chromium: make test-browser), tests of a live Celery worker and of concurrent
# connections run in CI (.ci/run) against PostgreSQL and Redis. Tests that share one
# module- or class-scoped database fixture carry pytest.mark.xdist_group("…"), so one
# process runs them all (--dist loadgroup).
# Tests marked `sweep` walk the whole project (every URL, page, file field, document
# field, API operation) and take minutes: `make test` leaves them out, CI runs them on
# PostgreSQL, `make test-all` runs them here too.
PYTEST_WORKERS ?= 2
SQLITE_TESTS ?= not browser and not worker and not postgres and not sweep
test: install lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "$(SQLITE_TESTS) and not serial" $(PYTEST_ARGS)
	$(BIN)/pytest -m "$(SQLITE_TESTS) and serial" $(PYTEST_SERIAL_ARGS) || test $$? -eq 5

test-all:
	$(MAKE) test SQLITE_TESTS="not browser and not worker and not postgres"

test-browser: install
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Server time of the busiest pages at province scale (issue 8), on the local PostgreSQL
# (its own throwaway database cumthidua_bench): generate 40 clusters × 12 units × 150
# criteria × 3 years, then time each page (docs/performance.md). Not part of `make test`.
# bench.dashboard and bench.reports rebuild cumthidua_bench for themselves, so they run
# before the province is generated; bench.documents renders the demo's covenant from its own
# SQLite file; bench.load starts gunicorn and locust, bench.jobs a Celery worker (Redis db 13).
# Each writes its block of docs/performance.md (BENCH_DOCS= to only print).
BENCH_N ?= 50
BENCH_DOCS ?= --write-docs
BENCH_DEMO_DB ?= sqlite:///$(CURDIR)/var/bench/demo.sqlite3
bench: install
	@$(BIN)/python -c "import locust, psutil" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.dashboard -n $(BENCH_N) $(BENCH_DOCS)
	$(BIN)/python -m bench.reports -n 5 $(BENCH_DOCS)
	@mkdir -p var/bench && rm -f var/bench/demo.sqlite3
	DATABASE_URL=$(BENCH_DEMO_DB) $(BIN)/python manage.py migrate --noinput -v 0
	DATABASE_URL=$(BENCH_DEMO_DB) $(BIN)/python manage.py load_demo
	DATABASE_URL=$(BENCH_DEMO_DB) $(BIN)/python -m bench.documents -n 20 --kind covenant $(BENCH_DOCS)
	$(BIN)/python -m bench.generate --clusters 40 --units 12 --criteria 150 --years 3 --seed 1
	$(BIN)/python -m bench.province -n $(BENCH_N) $(BENCH_DOCS)
	$(BIN)/python -m bench.load --users 100 --duration 60 $(BENCH_DOCS)
	$(BIN)/python -m bench.jobs --jobs 100 --concurrency 2 --redis-db 13 $(BENCH_DOCS)

# Extract the interface strings and rebuild the compiled Vietnamese catalogue.
messages: install
	$(BIN)/python manage.py makemessages -l vi --no-obsolete --ignore '.venv/*' \
		--ignore 'static/vendor/*' --ignore 'tests/*' --ignore 'var/*'
	$(BIN)/python -m core.i18n_tools merge
	$(BIN)/python -m core.i18n_tools compile

# Everything the tree makes, except backups (var/backups is never cleaned).
clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
	@test ! -d var || find var -mindepth 1 -maxdepth 1 ! -name backups -exec rm -rf {} +

# Back up the PostgreSQL database (pg_dump -Fc) and MEDIA_ROOT into one checked archive in
# $(BACKUP_DIR); restore one into an EMPTY database: make restore ARCHIVE=var/backups/….tar
# (asks for confirmation; core/backup.py, docs/reliability.md). PostgreSQL only.
.PHONY: backup restore
BACKUP_DIR ?= var/backups
backup: install
	$(BIN)/python manage.py backup --output $(BACKUP_DIR)

restore: install
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=var/backups/cumthidua-….tar"; exit 2; }
	$(BIN)/python manage.py restore "$(ARCHIVE)"
