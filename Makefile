# Cụm thi đua — everything a newcomer needs is `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-browser lint format messages clean

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

# Extract the interface strings and rebuild the compiled Vietnamese catalogue.
messages: install
	$(BIN)/python manage.py makemessages -l vi --no-obsolete --ignore '.venv/*' \
		--ignore 'static/vendor/*' --ignore 'tests/*' --ignore 'var/*'
	$(BIN)/python -m core.i18n_tools merge
	$(BIN)/python -m core.i18n_tools compile

clean:
	rm -rf $(VENV) var db.sqlite3 .pytest_cache .ruff_cache
