# Every target works on a fresh machine with only Python: `make install` builds .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `make run` installs the package and its web extra; `make test` (and `make install`) add
# the test and bench extras. Each has its own stamp, rebuilt when pyproject.toml changes.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install run test lint generate bench clean

install: $(DEV_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[web]'
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench,web]'
	touch $(DEV_STAMP) $(RUN_STAMP)

# Embedded PostgreSQL (unless DATABASE_URL is set; data in the one per-user directory the
# README names, so PFR_DATA_DIR is deliberately not set here), migrations applied, then the
# maintenance scheduler and the dashboard in one foreground process (`pfr run`; it prints
# the URL, http://127.0.0.1:8000/ by default; Ctrl-C or SIGTERM stops both cleanly).
# It installs the package and its web extra only, not the test and bench extras.
run: $(RUN_STAMP)
	$(BIN)/pfr run $(RUN_ARGS)

# One worker per core; each has its own template database and servers (tests/conftest.py);
# loadgroup keeps tests on cluster-wide objects (roles) on one worker. PYTEST_XDIST= runs serially.
PYTEST_XDIST ?= -n auto --dist loadgroup
test: install
	$(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# squawk over migrations/: the rules left out are listed with their reasons in .squawk.toml;
# the rollback files may also drop what their migration made (the ban-drop-* rules).
SQUAWK_ROLLBACK_RULES := prefer-robust-stmts,require-concurrent-index-creation,prefer-text-field,prefer-bigint-over-int,prefer-identity,ban-drop-column,ban-drop-table,ban-drop-function,ban-drop-view,ban-drop-constraint,ban-drop-index

# Each check on its own line, so a new linter is one more line.
lint: install
	$(BIN)/ruff check pydal_free_repo jobs tests benchmarks tools
	$(BIN)/ruff format --check pydal_free_repo jobs tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python tools/async_to_sync.py --check
	$(BIN)/squawk --config .squawk.toml $$(ls migrations/0*.sql | grep -v '\.rollback\.sql$$')
	$(BIN)/squawk --config .squawk.toml --exclude=$(SQUAWK_ROLLBACK_RULES) migrations/0*.rollback.sql

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
