# Two commands for a new user: `make run` and `make test`. Both create the virtual
# environment and install the project first (again only when pyproject.toml changed).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SRC := $(wildcard inspector tests bench scripts)

.PHONY: run test test-suite test-all lint format screenshot bench clean \
	bundle bundle-test icons install-desktop uninstall-desktop

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
	@if command -v shellcheck >/dev/null; then shellcheck scripts/*.sh .ci/run; \
	else echo "shellcheck is not installed: the shell scripts were not checked"; fi

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

# Every view (light, 100 %), then the main view light and dark at 100 % and 200 %.
screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshot.py docs/screenshots
	for theme in light dark; do for scale in 1 2; do \
		QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshot.py docs/screenshots --main \
			--theme $$theme --scale $$scale || exit 1; done; done

# Installing (docs/install.md). The one-folder PyInstaller bundle: dist/webhook-inspector/.
BUNDLE := dist/webhook-inspector/webhook-inspector
BUNDLE_TOOLS := $(VENV)/.bundle-tools

$(BUNDLE_TOOLS): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bundle]'
	@touch $(BUNDLE_TOOLS)

bundle: $(BUNDLE_TOOLS)
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/webhook-inspector.spec
	@du -sh dist/webhook-inspector

# Build the bundle, then run its tests (every command from it where no Python is).
bundle-test: bundle
	INSPECTOR_BUNDLE=$(BUNDLE) QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/packaging/test_bundle.py

# The PNG, ICO and ICNS icons from inspector/resources/icon.svg (committed; run after editing it).
icons: $(STAMP)
	$(PY) scripts/make_icons.py

# The desktop entry, metainfo and icons for the current user ($$XDG_DATA_HOME or ~/.local/share),
# starting the bundle if built, else $(VENV). PREFIX=/usr and DESTDIR=staging for packages;
# EXEC=PROGRAM names what the entry starts.
install-desktop:
	$(PYTHON) scripts/install_desktop.py $(if $(PREFIX),--prefix '$(PREFIX)') \
		$(if $(DESTDIR),--destdir '$(DESTDIR)') $(if $(EXEC),--exec '$(EXEC)')

uninstall-desktop:
	$(PYTHON) scripts/install_desktop.py --uninstall $(if $(PREFIX),--prefix '$(PREFIX)') \
		$(if $(DESTDIR),--destdir '$(DESTDIR)')

clean:
	rm -rf $(VENV) .venv-3.* .pytest_cache .mypy_cache .ruff_cache build dist
