# drkit.mysql — the two commands a newcomer needs:
#   make demo   set up what is missing, bring the lab up, run the main job on it
#   make test   set up what is missing, run every check (CI runs exactly this)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
APT_PACKAGES := mariadb-server mariadb-client mariadb-backup mydumper zstd
# Only the tests need these: Chromium renders the HTML report headless (tests/integration/test_report_html.py);
# HAProxy stands in front of the lab's primary (tests/integration/test_traffic.py, started by the test itself);
# openssl makes the CA and certificates of tests/integration/test_tls.py.
TEST_APT_PACKAGES := chromium haproxy openssl
# The SSH lab (inventories/lab_ssh, docs/lab_ssh.md): an sshd per network namespace, ProxyCommand through socat.
LAB_SSH_APT_PACKAGES := iproute2 openssh-server openssh-client socat
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
COLLECTION_LINK := .collections/ansible_collections/drkit/mysql
INVENTORY ?= inventories/lab

export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR ?= 0

.PHONY: demo test setup system-packages test-packages lab-ssh-packages lab lab-absent lab-reset lint sanity unit integration molecule clean

## The main job on the embedded lab: a fresh lab with the app writing, the primary killed,
## dr_failover.yml to the DR site, validation, the report path and RTO. Safe to run again and again.
demo: setup
	ansible-playbook -i $(INVENTORY) playbooks/lab.yml -e lab_state=reset
	ansible-playbook -i $(INVENTORY) playbooks/topology.yml
	sleep 2  # let the stand-in app commit for a moment
	ansible-playbook -i $(INVENTORY) playbooks/lab_kill.yml -e lab_kill=db-primary
	ansible-playbook -i $(INVENTORY) playbooks/dr_failover.yml -e drkit_failover_primary_confirmed_dead=true
	ansible-playbook -i $(INVENTORY) playbooks/topology.yml

## Every check: lint, unit, integration (real MariaDB lab), molecule scenarios.
test: setup test-packages
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint sanity unit integration molecule; \
	echo "make test: all checks passed in $$(( $$(date +%s) - start )) s"

setup: system-packages $(VENV)/.installed $(COLLECTION_LINK)

test-packages:
	@$(MAKE) --no-print-directory system-packages APT_PACKAGES="$(TEST_APT_PACKAGES)"

lab-ssh-packages:
	@$(MAKE) --no-print-directory system-packages APT_PACKAGES="$(LAB_SSH_APT_PACKAGES)"

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

# ansible-test wants the collection under ansible_collections/drkit/mysql and fetches a pip
# bootstrap script from ci-files.testing.ansible.com, unreachable here: tests/sanity has a stand-in.
# Outside the checkout: inside a git work tree ansible-test only sees files git lists.
SANITY_ROOT := /tmp/drkit-sanity
SANITY_DIR := $(SANITY_ROOT)/ansible_collections/drkit/mysql
GET_PIP_CACHE := $(HOME)/.ansible/test/cache/get_pip_24_2.py
sanity: setup
	rm -rf $(SANITY_ROOT)
	mkdir -p $(SANITY_DIR)
	git ls-files -co --exclude-standard | while read -r f; do [ -e "$$f" ] && echo "$$f"; done \
	  | tar -cf - -T - | tar -xf - -C $(SANITY_DIR)
	[ -f $(GET_PIP_CACHE) ] || install -D -m 0644 tests/sanity/get_pip_offline.py $(GET_PIP_CACHE)
	cd $(SANITY_DIR) && ansible-test sanity --python 3.11 --requirements --color no \
	  | grep -v -e '^Requirement already' -e '^Collecting' -e '^  Downloading' -e '^Looking in'

unit: setup
	python -m pytest -q tests/unit

integration: setup
	python -m pytest -q tests/integration

molecule: setup
	molecule test --all

clean: lab-absent
	rm -rf $(VENV) .collections .pytest_cache .ruff_cache
