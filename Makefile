# signsym: two commands on a fresh machine with nothing but Python 3.11.
#   make run    install into .venv, provide the datasets (offline zips or download), run the main experiment (quick preset)
#   make test   install if needed, then every test: the chapters executed as nbdev_test executes them, whose
#               outputs must be the committed ones (tools/execute.py --check), pytest on tests/, a rebuild of the
#               summary that must change nothing, and the docs site
#   make outputs  execute the chapters and keep their outputs
#   make study  run (or resume) every grid of studies/ (STUDIES=mlp kh: some of them), then make summary
#   make summary  rebuild from the record, in place: nbs/tables.ipynb and nbs/figures.ipynb with their outputs,
#               the tables (data/results/), the figures (figures/), the README's tables
#   make docs   the docs site, offline, into _docs/site (links and directives checked)
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ZIPS ?= ../shared/data
RUN_ARGS ?=
SWEEP_ARGS ?=

.PHONY: install data run test export readme lab study summary docs outputs
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt setup.py settings.ini
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# CIFAR-10, MNIST and Fashion-MNIST into data/: as they are, else from the offline zips in $(ZIPS), else downloaded
data: install
	$(VENV)/bin/signsym-data --zips "$(ZIPS)"

run: install data
	$(VENV)/bin/signsym-run $(RUN_ARGS)

test: install data
	$(VENV)/bin/nbdev_export && git diff --exit-code --stat -- signsym || { echo "signsym/ differs from what nbs/ exports: run nbdev_export and commit"; exit 1; }
	$(PY) tools/make_readme.py --check
	$(PY) tools/execute.py --check --n_workers 2
	$(VENV)/bin/pytest -q tests; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi; exit $$rc
	$(MAKE) summary
	@changed=$$(git status --porcelain -- nbs/tables.ipynb nbs/figures.ipynb figures data/results README.md nbs/index.ipynb); \
	if [ -n "$$changed" ]; then echo "make summary changed what is committed (run it and commit, or find what is not deterministic):"; echo "$$changed"; exit 1; fi
	$(MAKE) docs

STUDIES ?= finetune autoattack blackbox brsf pcg64 authors lite mlp mlp_deep pepita_paper kh softhebb biotorch tp
study: install data
	for s in $(STUDIES); do $(VENV)/bin/signsym-sweep studies/$$s.yaml --recorded data/results/study_metrics.csv $(SWEEP_ARGS) || exit 1; done
	$(MAKE) summary

summary: install
	$(PY) tools/summary.py

docs: install
	$(PY) tools/docs.py

# execute the chapters as nbdev_test does and keep their outputs (make test checks them)
outputs: install
	$(PY) tools/execute.py --n_workers 2

export:
	$(VENV)/bin/nbdev_export
	$(PY) tools/make_readme.py

lab: install
	$(VENV)/bin/jupyter lab nbs/
