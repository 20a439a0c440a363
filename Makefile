# onprem.wandb developer entry points. `make test` is what CI runs; every
# stage also runs alone (make lint, make unit, make molecule SCENARIO=...).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TOP := $(CURDIR)
VENV ?= $(TOP)/.venv
BIN := $(VENV)/bin
HARNESS := $(TOP)/tests/harness
# The checkout is reached as a collection through this committed symlink, the
# same way `ansible-playbook site.yml` finds it.
export ANSIBLE_COLLECTIONS_PATH := $(TOP)/collections
export ANSIBLE_CONFIG := $(TOP)/ansible.cfg
export PATH := $(BIN):$(PATH)
# CI logs are read as plain text.
export PY_COLORS := 0
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0
export NO_COLOR := 1
SCENARIO ?=

.PHONY: test prepare deps dockerd venv images k8s-image fixture lint sanity unit integration molecule clean-containers demo demo-destroy build docs

## test: everything CI runs, from a fresh machine; prints the wall time
test:
	@$(HARNESS)/run-all.sh

## prepare: machine packages, dockerd, venv and images (no tests)
prepare: deps dockerd venv images k8s-image

deps:
	@$(HARNESS)/ensure-deps.sh

dockerd: deps
	@$(HARNESS)/ensure-dockerd.sh

venv: deps
	@$(HARNESS)/ensure-venv.sh

## images: cached systemd host images and the wandb/local contract fixture
images: dockerd
	@$(HARNESS)/build-host-images.sh
	@$(TOP)/tests/fixture/build.sh

## k8s-image: the cached Kubernetes test API server (molecule operator; ~6-7 min cold, so
## prepare builds it, and it can run in the background of other stages)
k8s-image: dockerd venv images
	@$(BIN)/python $(TOP)/tests/integration/servers.py build k8s

fixture: dockerd
	@$(TOP)/tests/fixture/build.sh

## lint: ansible-lint (production, offline), yamllint, ruff
lint: venv
	@$(HARNESS)/lint.sh

## sanity: ansible-test sanity, offline
sanity: venv
	@$(HARNESS)/sanity.sh

## unit: pytest units (no servers)
unit: venv
	@$(BIN)/pytest -q tests/unit

## integration: module tests against real servers started in containers
integration: venv dockerd
	@$(BIN)/pytest -q tests/integration

## molecule: all scenarios, or SCENARIO=name
molecule: venv images k8s-image
	@$(HARNESS)/molecule.sh $(SCENARIO)

clean-containers:
	@$(HARNESS)/cleanup.sh

## build: the collection tarball (no tests, molecule, benchmarks)
build: venv
	@$(HARNESS)/build-collection.sh

## demo: a sandboxed W&B deployment on a local systemd container host
demo: venv images
	@$(TOP)/demo/up.sh

demo-destroy:
	@$(TOP)/demo/down.sh
