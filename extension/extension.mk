# Code Coach VS Code extension. Included from the root Makefile, which defines
# PY (.venv/bin/python, with codecoach installed editable) and the `venv` target.
#
#   make ext-deps                 apt: chromium, libkrb5-dev (if missing); npm ci
#   make ext-build                type-check and bundle (extension/out/)
#   make vsix                     dist/code-coach-<version>.vsix (server wheel inside)
#   make ext-test-unit            node --test on the TypeScript logic
#   make ext-test-e2e             real VS Code (code-server) + Chromium, server from $(PY)
#   make ext-test-e2e-bootstrap   the same, but the server is installed from the .vsix
#                                 into a private venv exactly as on a learner's first run,
#                                 from a local wheelhouse of the pinned versions (no network in
#                                 the test), and checked against the shipped constraints

PY ?= .venv/bin/python
EXT_VERSION = $(shell node -p "require('./package.json').version")
VSIX = dist/code-coach-$(EXT_VERSION).vsix
EXT_NPM_STAMP := node_modules/.codecoach-npm-ci
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: ext-deps ext-apt-deps ext-build vsix ext-test-unit ext-e2e-tools ext-test-e2e ext-test-e2e-bootstrap ext-wheelhouse ext-clean

ext-deps: ext-apt-deps $(EXT_NPM_STAMP)

# Debian's Chromium drives the e2e test; libkrb5-dev lets code-server's kerberos module build from source.
ext-apt-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then \
	  echo "Installing chromium and libkrb5-dev from Debian"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium libkrb5-dev >/dev/null; \
	fi

$(EXT_NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

ext-build: $(EXT_NPM_STAMP)
	npm run -s typecheck
	npm run -s build

vsix: $(EXT_NPM_STAMP) venv
	npm run -s typecheck
	CODECOACH_PYTHON=$(abspath $(PY)) CODECOACH_UV=$(abspath $(UV)) npm run -s vsix

ext-test-unit: $(EXT_NPM_STAMP)
	npm run -s test:unit

# Node 24 + code-server (native build, ~3 min and ~630 MB the first time) + playwright-core, from npm.
ext-e2e-tools: ext-apt-deps
	npm run -s e2e:deps

ext-test-e2e: ext-e2e-tools vsix venv
	CODECOACH_E2E_SERVER_PYTHON=$(abspath $(PY)) npm run -s test:e2e

# The wheels the first-run bootstrap installs, at the pinned versions, fetched (or built, for the
# few packages without a wheel) once per constraints file; the e2e then installs with no index.
WHEELHOUSE := .cache/wheelhouse
WHEELHOUSE_STAMP = $(WHEELHOUSE)/.constraints-$(shell sha256sum extension/server-constraints.txt 2>/dev/null | cut -c1-16)

ext-wheelhouse: vsix
	@$(MAKE) --no-print-directory $(WHEELHOUSE_STAMP)

$(WHEELHOUSE)/.constraints-%:
	mkdir -p $(WHEELHOUSE)
	# --isolated and no config file: only PyPI, whatever this machine's pip.conf adds.
	PIP_CONFIG_FILE=/dev/null $(TOOLS)/bin/python -m pip --isolated wheel --quiet --disable-pip-version-check --no-deps \
	  --find-links $(WHEELHOUSE) -w $(WHEELHOUSE) -r extension/server-constraints.txt
	rm -f $(WHEELHOUSE)/.constraints-* && touch $@

ext-test-e2e-bootstrap: ext-e2e-tools vsix ext-wheelhouse
	CODECOACH_E2E_WHEELHOUSE=$(abspath $(WHEELHOUSE)) npm run -s test:e2e

ext-clean:
	rm -rf extension/out extension/server-wheel extension/server-constraints.txt dist/*.vsix test-artifacts/e2e $(WHEELHOUSE)
