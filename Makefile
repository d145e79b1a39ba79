# logpoint.siem developer commands. See CONTRIBUTING.md ("Commands").
#
#   make venv         .venv/ with everything + .collections/ansible_collections/logpoint/siem -> .
#   make simulator    the simulator in the foreground (SIM_PORT, SIM_TLS=1|0, SIM_CA)
#   make demo         simulator up, playbooks/demo.yml against it, simulator down
#   make test         every nox session (noxfile.py), one summary line "tests: N passed, N failed" at the end
#   make bench        the benchmark against plain ansible.builtin.uri playbooks (not part of make test; BENCH_ARGS="--quick --only rules")
#   make bench-sigma  Sigma conversion of 1,000 rules: seconds, rules/s, converted/skipped (SIGMA_BENCH_ARGS="--rules 5000")
#   make bench-fleet  the fleet benchmark: 20 simulators x 300 rules, forks 10 (not part of make test; FLEET_BENCH_ARGS="--quick")
#   make sanity | unit | inprocess | ansible | integration | lint | docs | smoke | compat   one stage each
#   make inprocess-strict | ansible-strict | integration-strict   the integration tiers under the simulator's --profile strict

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
COLLECTION_LINK := .collections/ansible_collections/logpoint/siem
SIMULATOR_PROJECT := $(wildcard tests/simulator/pyproject.toml tests/simulator/setup.py tests/simulator/setup.cfg)

SIM_PORT ?= 8443
SIM_TLS ?= 1
SIM_CA ?= .simulator/ca.pem
SIM_TLS_FLAG := $(if $(filter 0 no false,$(SIM_TLS)),--no-tls,)
# make demo picks a free port unless SIM_PORT was given (environment or command line)
DEMO_PORT_FLAG := $(if $(filter file,$(origin SIM_PORT)),,--port $(SIM_PORT))

NOX := $(VPY) -m nox --noxfile noxfile.py --no-color

STAGES := sanity unit inprocess ansible integration inprocess-strict ansible-strict integration-strict lint docs smoke compat

.PHONY: help venv simulator demo test bench bench-sigma bench-fleet $(STAGES) clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

venv: $(STAMP) $(COLLECTION_LINK)

$(STAMP): requirements-dev.txt requirements.txt $(SIMULATOR_PROJECT)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "make venv needs Python >= 3.11 (PYTHON=$(PYTHON))")'
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@if [ -n "$(SIMULATOR_PROJECT)" ]; then \
		echo "$(VPY) -m pip install --quiet -e tests/simulator"; \
		$(VPY) -m pip install --quiet --disable-pip-version-check -e tests/simulator; \
	else echo "tests/simulator has no pyproject.toml yet: simulator not installed (tests use it from source)"; fi
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(@D)
	ln -sfn ../../.. $@

simulator: venv
	@mkdir -p $(dir $(SIM_CA))
	$(VPY) -m logpoint_simulator --host 127.0.0.1 --port $(SIM_PORT) $(SIM_TLS_FLAG) --ca $(SIM_CA)

demo: venv
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.collections $(VPY) tools/with_simulator.py $(DEMO_PORT_FLAG) $(SIM_TLS_FLAG) -- \
		$(VENV)/bin/ansible-playbook playbooks/demo.yml

# nox prints its session list after the summary session: repeat the summary line as the last one
NOX_WITH_SUMMARY = rm -f tests/output/summary.txt; status=0; $(NOX) $(1) || status=$$?; \
	cat tests/output/summary.txt 2>/dev/null || echo "tests: 0 passed, 1 failed"; exit $$status

test: venv
	@$(call NOX_WITH_SUMMARY,)

bench: venv
	$(VPY) tests/bench/run_bench.py $(BENCH_ARGS)

bench-sigma: venv
	$(VPY) tests/bench/sigma_bench.py $(SIGMA_BENCH_ARGS)

bench-fleet: venv
	$(VPY) tests/bench/fleet_bench.py $(FLEET_BENCH_ARGS)

$(STAGES): venv
	@$(call NOX_WITH_SUMMARY,-s $@ summary)

clean:
	rm -rf tests/output .simulator .pytest_cache .nox collections logpoint-siem-*.tar.gz
