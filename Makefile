# Everyday commands for readers and authors. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
MXNET_VENV ?= .venv-mxnet
BIN := $(VENV)/bin
CHAPTER ?= chapters/01_layers_and_modules.ipynb
NB ?= chapters/*.ipynb $(wildcard chapters/zh/*.ipynb chapters/frameworks/*.ipynb)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help book setup test execute benchmark pictures lint html fuzz

help:  ## list the commands
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

book: setup  ## set up, then open the book in JupyterLab (CHAPTER=... picks the chapter)
	$(BIN)/jupyter trust $(NB)  # show stored widgets before a run
	$(BIN)/jupyter lab $(ROOT_FLAG) $(CHAPTER)

setup: $(VENV)/.installed $(MXNET_VENV)/.installed  ## install the pinned environments: .venv, and .venv-mxnet as the kernel "mxnet"

$(VENV)/.installed: binder/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	PIP_RETRIES=0 $(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-r binder/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --editable .
	touch $@

# MXNet needs numpy < 1.24, so the MXNet chapter's kernel has an environment of its own.
$(MXNET_VENV)/.installed: binder/requirements-mxnet.txt binder/install-mxnet-kernel $(VENV)/.installed
	PYTHON=$(PYTHON) binder/install-mxnet-kernel $(MXNET_VENV) $(VENV)
	touch $@

test: setup  ## run every test: unit, widget, doctests, every chapter under nbval
	$(BIN)/python -m pytest -n 2 --dist loadscope

execute: setup  ## re-run chapters top to bottom and store their outputs (NB=... for one)
	# one nbconvert per notebook: each starts the kernel its own metadata names
	for nb in $(NB); do $(BIN)/jupyter nbconvert --to notebook --execute --inplace $$nb || exit 1; done
	$(BIN)/python -m tests.notebook_tools prune $(NB)

benchmark: setup  ## print the speed figures (every tests/benchmarks/bench_*.py; BENCH=... for one)
	for script in $(or $(BENCH),tests/benchmarks/bench_*.py); do $(BIN)/python $$script || exit 1; done

fuzz: setup  ## many more hypothesis examples than CI runs, then the slowest refusal per widget
	LAYERLAB_FUZZ=deep $(BIN)/python -m pytest tests/fuzz -p no:xdist -q -s

lint: setup  ## ruff over the package, tests, chapters and the static export; import-linter's layer contracts
	$(BIN)/ruff check widgets tests chapters web
	$(BIN)/lint-imports

pictures: setup  ## run every chapter in JupyterLab (Chromium), screenshot it, refresh the README's pictures
	$(BIN)/python -m pytest tests/browser -p no:xdist
	$(BIN)/python -m tests.browser.pictures

html: setup  ## export the chapters as static pages with their saved widgets to build/html (NB=... for some)
	$(BIN)/python -m web.export $(NB) --out build/html

.PHONY: site
site: setup  ## build the book's website into build/site: every chapter's page, an index, offline (MathJax and the widget renderer vendored from npm)
	$(BIN)/python -m web.site --out build/site
