# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: run test install install-dev lint lint-js format bench clean messages dist dist-check

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/activate
	$(PIP) install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PIP) install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

install-dev: $(VENV)/.installed-dev node_modules/.installed

run: install
	$(PY) server.py --host $(HOST) --port $(PORT)

lint: install-dev lint-js
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# ESLint's recommended rules over every screen's ES modules (eslint.config.mjs).
lint-js: node_modules/.installed
	node_modules/.bin/eslint --max-warnings 0 .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Two workers (pytest-xdist): every test brings its own server and port, so they run side by side on the
# two CPUs CI has; `make test WORKERS=0` runs them one after another.
WORKERS ?= 2
test: lint
	$(VENV)/bin/pytest $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist worksteal)

# Re-extract the texts marked in Python (N_, gettext) and templates (_()) per babel.cfg and update the
# id and en catalogs; then write the English of new entries in loket/translations/en/…/messages.po.
# Catalogs are compiled in memory when the server starts: no .mo files to build or commit.
messages: $(VENV)/.installed-dev
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k NC_:1c,2 --no-location --sort-output --project=Loket \
		--copyright-holder="Loket contributors" -o loket/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i loket/translations/messages.pot -d loket/translations \
		--ignore-obsolete --no-fuzzy-matching -w 100

bench: install-dev
	$(PY) bench/run_all.py

# One archive that installs on a PC with no internet (docs/deployment.md): wheels for this Python
# (`make dist PYTHON=python3.11` for another), the front-end files, the units, install.sh.
dist: install
	$(PY) deploy/dist.py --out dist

# CI: build the archive, install it with the network cut (pip --no-index, no npm) and serve from it.
dist-check: dist
	$(PY) deploy/offline_check.py dist

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache test-artifacts dist
