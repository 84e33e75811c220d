# Kamavor: `make run` serves a demo on SQLite, `make test` runs every test. Needs only
# Python 3.11+, git and make; everything else is installed into .venv from the lock file.

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Installed modules come with their bytecode: a command then starts without compiling ~400 files.
export UV_COMPILE_BYTECODE := 1

.PHONY: install run demo test test-postgres lint format browser bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/kamavor: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet
	$(BIN)/kamavor compilemessages --verbosity 0
	@touch $@

install: $(BIN)/kamavor

# Serve Kamavor with demo data on SQLite at http://127.0.0.1:8000 (logins are printed).
run: install
	$(BIN)/kamavor migrate --verbosity 0
	$(BIN)/kamavor demo
	$(BIN)/kamavor serve

demo: install
	$(BIN)/kamavor migrate --verbosity 0
	$(BIN)/kamavor demo

# The whole suite on SQLite, browser tests included (Debian's Chromium, installed if missing).
test: install browser
	$(BIN)/pytest -q

# The whole suite against PostgreSQL (KAMAVOR_TEST_DATABASE_URL, default: the local server).
test-postgres: install browser
	KAMAVOR_DATABASE_URL=$${KAMAVOR_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kamavor} \
		KAMAVOR_REQUIRE_POSTGRES=1 $(BIN)/pytest -q

lint: install
	$(BIN)/ruff check kamavor tests bench
	$(BIN)/ruff format --check kamavor tests bench
	$(BIN)/kamavor makemigrations --check --dry-run
	KAMAVOR_DEBUG=0 $(BIN)/kamavor check --deploy --fail-level WARNING

format: install
	$(BIN)/ruff format kamavor tests bench
	$(BIN)/ruff check --fix kamavor tests bench

# Browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded.
# The accessibility check runs axe-core (from the npm registry, pinned) inside those pages.
AXE_VERSION := 4.10.3
AXE := .tools/node_modules/axe-core/axe.min.js
# The field forms' browser tests fill the served XForms with ODK Web Forms' engine (pinned).
XFORMS_ENGINE_VERSION := 0.22.0
XFORMS_ENGINE := .tools/node_modules/@getodk/xforms-engine/dist/index.js

# $(call debian_package,COMMAND,PACKAGE,WHAT): install Debian's PACKAGE when COMMAND is missing
# (as root, with apt-get), else say what to install and stop.
define debian_package
	@command -v $(1) >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian's $(2) for $(3)..."; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
		else \
			echo "Missing $(2) (for $(3)): install your system's '$(2)' package."; \
			exit 1; \
		fi; }
endef

$(AXE):
	$(call debian_package,npm,npm,the accessibility check)
	npm install --prefix .tools --no-save --no-audit --no-fund --silent axe-core@$(AXE_VERSION)

$(XFORMS_ENGINE):
	$(call debian_package,npm,npm,the field forms' browser tests)
	npm install --prefix .tools --no-save --no-audit --no-fund --silent axe-core@$(AXE_VERSION) \
		@getodk/xforms-engine@$(XFORMS_ENGINE_VERSION)

browser: $(AXE) $(XFORMS_ENGINE)
	$(call debian_package,chromium,chromium,the browser tests)

bench: install
	$(BIN)/python bench/ledger.py

clean:
	rm -rf .tools $(VENV)
