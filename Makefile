# The front door. `make` lists the targets; `make briefing` and `make test` are all a newcomer needs.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
CORPUS ?= seeds
OUT ?= build
# The seeds' own aliases (officials the articles name only by surname or role); another corpus
# brings its own file, or none.
ifeq ($(CORPUS),seeds)
export WORKBOOK_ALIASES ?= $(CURDIR)/lib/data/corpus_aliases.example.yaml
endif
# Inputs of a build: when none changed, `make briefing` does nothing.
BUILD_INPUTS := $(shell find lib notebooks $(CORPUS) -type f -not -path '*/__pycache__/*' -not -path '*/.ipynb_checkpoints/*' 2>/dev/null)

.PHONY: help setup briefing test unit notebooks-test browser lab notebooks bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(INSTALLED): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

setup: $(INSTALLED) ## create .venv and install the pinned requirements

briefing: $(OUT)/briefing.html ## run every notebook on seeds/ and write build/ (store, HTML, briefing)

$(OUT)/briefing.html: $(INSTALLED) $(BUILD_INPUTS)
	$(PY) -m lib build --corpus $(CORPUS) --out $(OUT)

browser: ## install Debian's Chromium for the browser test when it is missing (needs root or sudo)
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: $(INSTALLED) browser ## set up, then run the unit tests and nbval (strict) over every notebook
	$(PY) -m pytest tests -q
	$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks -q

unit: $(INSTALLED) ## only the unit tests
	$(PY) -m pytest tests -q

notebooks: $(INSTALLED) ## re-execute notebooks in place, with outputs, before committing them
	$(PY) -m lib notebooks

lab: $(INSTALLED) ## open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab notebooks

bench: $(INSTALLED) ## benchmark build speed and memory on synthetic corpora (writes benchmarks/results)
	$(PY) -m lib bench

clean: ## remove build/ (the store, exports and caches)
	rm -rf $(OUT)
