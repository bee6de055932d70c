# Every target bootstraps .venv first; the stamp makes that a no-op once done.
# The dev environment installs from requirements.lock (exact versions), so a release of a
# dependency overnight cannot break a CI run; `make lock` refreshes it. Users installing the
# package get pyproject.toml's loose ranges instead.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
LOCK   := requirements.lock
PIP    := -m pip install --quiet --disable-pip-version-check

.PHONY: demo test lint bench bench-more validate lock clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) $(PIP) -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/echo-player validate scenarios/
	$(VENV)/bin/echo-player play --local scenarios/welcome.scenario.yaml

lint: $(STAMP)
	$(VENV)/bin/ruff check player tests bench
	$(VENV)/bin/ruff format --check player tests bench
	$(VENV)/bin/mypy

# Two workers: the suite is mostly waiting on real sockets and real-time playback.
test: lint
	$(PY) -m pytest -q -n 2

# One table of every figure with its target and the ratio to a hand-written loop (bench/report.py).
bench: $(STAMP)
	$(PY) bench/report.py

# The benchmarks outside the table: validation in detail, the dispatch loop, rendering reports,
# and the control server (each prints its own numbers and targets).
bench-more: $(STAMP)
	$(PY) bench/validate.py
	$(PY) bench/timing.py
	$(PY) bench/report_render.py
	$(PY) bench/serve.py

validate: $(STAMP)
	$(VENV)/bin/echo-player validate scenarios/

# Re-resolve every dependency of the dev environment at today's newest versions and pin them.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python $(PIP) -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^-e ' > $(LOCK)
	rm -rf .lock-venv
	@echo "$(LOCK) refreshed: run make test, then commit it"

clean:
	rm -rf $(VENV) .lock-venv build dist *.egg-info .pytest_cache
