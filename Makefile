# Every target works on a fresh machine with only Python: `make install` builds .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint generate bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench,web]'
	touch $(STAMP)

# Embedded PostgreSQL (unless DATABASE_URL is set), migrations applied, then the
# maintenance scheduler and the dashboard in one foreground process (`pfr run`; it prints
# the URL, http://127.0.0.1:8000/ by default; Ctrl-C or SIGTERM stops both cleanly).
run: install
	$(BIN)/pfr run $(RUN_ARGS)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# Each check on its own line, so a new linter is one more line.
lint: install
	$(BIN)/ruff check pydal_free_repo jobs tests benchmarks tools
	$(BIN)/ruff format --check pydal_free_repo jobs tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python tools/async_to_sync.py --check

# The sync modules generated from their async sources (tools/async_to_sync.py lists them):
# edit the async file, then run this.
generate: install
	$(BIN)/python tools/async_to_sync.py

# The bench extra (installed by `install` too, so the suite's small benchmark mode runs
# the ORM baseline) adds SQLAlchemy, the documents' ORM, measured as the ingestion baseline.
bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
