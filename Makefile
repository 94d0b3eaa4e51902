# signsym: two commands on a fresh machine with nothing but Python 3.11.
#   make run    install into .venv, provide the datasets (offline zips or download), run the main experiment (quick preset)
#   make test   install if needed, then every test: nbdev_test on the notebooks and pytest on tests/
#   make study  run (or resume) every grid of studies/ (STUDIES=mlp kh: some of them), then rebuild the tables
#               (data/results/), figures (figures/) and the README's tables
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ZIPS ?= ../shared/data
RUN_ARGS ?=
SWEEP_ARGS ?=

.PHONY: install data run test export readme lab study summary
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
	$(VENV)/bin/nbdev_test --n_workers 2
	$(VENV)/bin/pytest -q tests; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi; exit $$rc

STUDIES ?= finetune autoattack blackbox brsf pcg64 authors lite mlp mlp_deep pepita_paper kh
study: install data
	for s in $(STUDIES); do $(VENV)/bin/signsym-sweep studies/$$s.yaml --recorded data/results/study_metrics.csv $(SWEEP_ARGS) || exit 1; done
	$(MAKE) summary

summary: install
	mkdir -p data/summary
	$(VENV)/bin/papermill -k python3 --no-progress-bar nbs/tables.ipynb data/summary/tables.ipynb
	$(VENV)/bin/papermill -k python3 --no-progress-bar nbs/figures.ipynb data/summary/figures.ipynb
	$(PY) tools/make_readme.py

export:
	$(VENV)/bin/nbdev_export
	$(PY) tools/make_readme.py

lab: install
	$(VENV)/bin/jupyter lab nbs/
