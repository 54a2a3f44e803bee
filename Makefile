# The two commands that matter: `make run` (the whole product) and `make test` (the suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean-var

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Web on http://127.0.0.1:8000, a Celery worker and the scheduler, on embedded defaults
# (SQLite and a file broker under var/) unless DATABASE_URL / REDIS_URL say otherwise.
run: export DEBUG ?= True
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/honcho start -f Procfile

test: $(STAMP)
	scripts/ensure-debian-package chromium chromium
	DEBUG=True $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=True $(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	scripts/ensure-debian-package wrk wrk
	$(BIN)/python -m bench

clean-var:
	rm -rf var
