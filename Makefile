# The two commands of the README's quick start: `make run` and `make test`.
# Everything installs into .venv; nothing is installed system-wide except, for the browser
# tests, Debian's chromium (and Japanese fonts), when running as root and it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export NAISHIN_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test translations browser pdf migration
.DEFAULT_GOAL := run

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

$(VENV)/.app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -qq --editable .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.app
	$(BIN)/pip install -qq --editable '.[test]'
	touch $@

# libsodium-wrappers for sealing survey answers in the browser, from the npm lockfile. Without
# npm the answer page still works: the server seals the answers (and says so).
NODE_MODULES := surveys/node_modules/.package-lock.json
$(NODE_MODULES): surveys/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix surveys --no-audit --no-fund --loglevel=error; \
	else \
	  echo "npm is missing: survey answers will be sealed on the server, not in the browser"; \
	fi

# axe-core for the accessibility test, loaded into the test browser only (never served).
AXE := tests/e2e/node_modules/.package-lock.json
$(AXE): tests/e2e/package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; \
	else \
	  echo "npm is missing: the accessibility test will be skipped"; \
	fi

## Install, prepare the database with demo data, and serve on http://127.0.0.1:8000 (or NAISHIN_BIND)
run: $(VENV)/.app $(NODE_MODULES) pdf
	$(BIN)/flask --app wsgi init
	$(BIN)/flask --app wsgi demo
	$(BIN)/flask --app wsgi cases demo
	$(BIN)/flask --app wsgi surveys demo
	$(BIN)/flask --app wsgi formal demo
	$(BIN)/flask --app wsgi petitions demo
	@echo "Serving on http://$${NAISHIN_BIND:-127.0.0.1:8000} (Ctrl-C to stop)"
	$(BIN)/gunicorn --config campaign/gunicorn_conf.py wsgi:app

## Install what the tests need and run the whole suite (SQLite unless NAISHIN_DATABASE_URL is set)
test: $(VENV)/.test browser pdf $(NODE_MODULES) $(AXE)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "chromium is missing: install Debian's chromium for the browser tests (they will be skipped)"; \
	  fi; \
	fi

## What server-made PDFs need: Pango (WeasyPrint draws text with it) and the Mincho face of
## formal documents (PDFs embed it; Noto CJK is the fallback)
pdf:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2 || ! fc-list 2>/dev/null | grep -q IPAexMincho; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-ipaexfont-mincho fonts-noto-cjk >/dev/null; \
	  else \
	    echo "Pango or IPAex Mincho is missing: install libpangoft2-1.0-0 and fonts-ipaexfont-mincho for PDFs"; \
	  fi; \
	fi

## Refresh the message catalogs after changing user-visible strings
translations: $(VENV)/.app
	$(BIN)/flask --app wsgi translations update

## Autogenerate a migration from the models: make migration m="what changed"
migration: $(VENV)/.app
	$(BIN)/flask --app wsgi init
	$(BIN)/python -c "import sys; from alembic import command; from campaign.migrate import alembic_config; \
	  command.revision(alembic_config('sqlite:///$(NAISHIN_INSTANCE_PATH)/naishin.sqlite3'), message=sys.argv[1], autogenerate=True)" "$(m)"
