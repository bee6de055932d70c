# Every target bootstraps .venv first; the stamp makes that a no-op once done.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench validate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/echo-player validate scenarios/
	$(VENV)/bin/echo-player play --local scenarios/welcome.scenario.yaml

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/validate.py
	$(PY) bench/timing.py

validate: $(STAMP)
	$(VENV)/bin/echo-player validate scenarios/

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
