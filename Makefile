# OpenNRM — the two commands: `make run` and `make test`. Both bootstrap .venv from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test test-fast lint messages demo clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "OpenNRM needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	OPENNRM_DEMO=1 $(BIN)/opennrm migrate --noinput
	OPENNRM_DEMO=1 $(BIN)/opennrm demo load
	OPENNRM_DEMO=1 $(BIN)/opennrm runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

# Re-extract and compile translations (needs GNU gettext); the .mo files are committed.
messages: install
	cd src/opennrm && ../../$(BIN)/django-admin makemessages --settings=opennrm.config.settings -l nl -l fr -l ro -l bg --ignore='static/vendor/*'
	cd src/opennrm && ../../$(BIN)/django-admin compilemessages --settings=opennrm.config.settings

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
