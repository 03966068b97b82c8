# Two commands for a fresh machine: `make demo` (ingest the default corpus, open the app)
# and `make test` (the whole suite). Both set themselves up.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CORPUS ?= ../shared/corpus
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export HAYSTACK_TELEMETRY_ENABLED := False

.PHONY: setup test test-slow demo ingest app lint bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned to the CPU build that lies on disk (an unpinned torch pulls CUDA).
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

test: setup
	$(BIN)/python -m pytest -m "not slow" -q

test-slow: setup
	$(BIN)/python -m pytest -m slow -q

lint: setup
	# ruff on the project sources; mypy on the packages (configured in pyproject.toml)
	$(BIN)/ruff check ingest assistant app.py pages_ui tests benchmarks
	$(BIN)/mypy

ingest: setup
	@if [ -d "$(CORPUS)" ]; then $(BIN)/policydesk ingest --source $(CORPUS); \
	else echo "no corpus at $(CORPUS); set CORPUS=... or run: policydesk ingest --source URL"; fi

app: setup
	$(BIN)/policydesk app

demo: ingest app

bench: setup
	$(BIN)/policydesk bench ingest --source $(CORPUS)/uscis-pm-raw-html-lighthouse

clean:
	rm -rf $(VENV) data/index data/cache data/snapshots data/logs
