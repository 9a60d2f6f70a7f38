# drkit.mysql — the two commands a newcomer needs:
#   make demo   set up what is missing, bring the lab up, run the main job on it
#   make test   set up what is missing, run every check (CI runs exactly this)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
APT_PACKAGES := mariadb-server mariadb-client mariadb-backup mydumper zstd
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
COLLECTION_LINK := .collections/ansible_collections/drkit/mysql
INVENTORY ?= inventories/lab

export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR ?= 0

.PHONY: demo test setup system-packages lab lab-absent lab-reset lint unit integration molecule clean

## The main job on the embedded lab (until dr_failover.yml exists: the topology of every server).
demo: setup lab
	ansible-playbook -i $(INVENTORY) playbooks/topology.yml

## Every check: lint, unit, integration (real MariaDB lab), molecule scenarios.
test: setup
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint unit integration molecule; \
	echo "make test: all checks passed in $$(( $$(date +%s) - start )) s"

setup: system-packages $(VENV)/.installed $(COLLECTION_LINK)

system-packages:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.installed: requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

lab: setup
	ansible-playbook -i $(INVENTORY) playbooks/lab.yml

lab-reset: setup
	ansible-playbook -i $(INVENTORY) playbooks/lab.yml -e lab_state=reset

lab-absent: setup
	ansible-playbook -i $(INVENTORY) playbooks/lab.yml -e lab_state=absent

lint: setup
	ruff check .
	ansible-lint --profile production --offline
	antsibull-changelog lint

unit: setup
	python -m pytest -q tests/unit

integration: setup
	python -m pytest -q tests/integration

molecule: setup
	cd extensions && molecule test --all

clean: lab-absent
	rm -rf $(VENV) .collections .pytest_cache .ruff_cache
