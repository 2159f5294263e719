# Cụm thi đua — everything a newcomer needs is `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-browser lint format messages clean bench

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

# The suite on SQLite. Browser tests (need Chromium: make test-browser), tests of a
# live Celery worker and of concurrent connections run in CI (.ci/run) against
# PostgreSQL and Redis.
test: install lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -m "not browser and not worker and not postgres" $(PYTEST_ARGS)

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
BENCH_N ?= 50
bench: install
	$(BIN)/python -m bench.generate --clusters 40 --units 12 --criteria 150 --years 3 --seed 1
	$(BIN)/python -m bench.province -n $(BENCH_N)

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
