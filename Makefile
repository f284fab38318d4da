# Two commands for a new user: `make run` and `make test`. Both create the virtual
# environment and install the project first (again only when pyproject.toml changed).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SRC := $(wildcard inspector tests bench scripts)

.PHONY: run test test-suite test-all lint format screenshot bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed (set PYTHON=python3.X)"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/webhook-inspector $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check $(SRC)
	$(VENV)/bin/ruff format --check $(SRC)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: lint test-suite

# The tests alone, in $(VENV) made with $(PYTHON) (`make test-all` runs it per interpreter).
test-suite: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

# Lint once, then the whole suite on each supported Python found (scripts/test-all.sh).
SUPPORTED_PYTHONS := 3.11 3.12 3.13
test-all: lint
	scripts/test-all.sh $(SUPPORTED_PYTHONS)

format: $(STAMP)
	$(VENV)/bin/ruff check --fix $(SRC)
	$(VENV)/bin/ruff format $(SRC)

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshot.py docs/screenshots

clean:
	rm -rf $(VENV) .venv-3.* .pytest_cache .mypy_cache .ruff_cache
