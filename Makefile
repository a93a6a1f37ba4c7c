# pyexec: `make run` serves the API on :8080, `make test` runs every test.
# Both set up what they need on a Debian/Ubuntu host (apt-get, a venv, the NsJail build, the
# rootfs); builds are cached in .build/ and rebuilt only when their inputs change.

SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD := .build
VENV := .venv
PYTHON := $(VENV)/bin/python
NSJAIL := $(BUILD)/nsjail/nsjail
ROOTFS := $(BUILD)/rootfs

# Debian packages: NsJail's build, gVisor for the gen1 tests.
APT_PACKAGES := protobuf-compiler libprotobuf-dev libnl-route-3-dev bison flex pkg-config \
	g++ make git runsc python3 python3-venv python3-pip chromium

# The image, and the base it builds from (made here with debootstrap when podman has none).
IMAGE_PACKAGES := podman runc debootstrap
export PYEXEC_IMAGE := localhost/pyexec:dev
BASE_IMAGE := docker.io/library/debian:bookworm-slim

export PYEXEC_NSJAIL := $(abspath $(NSJAIL))
export PYEXEC_ROOTFS := $(abspath $(ROOTFS))
export CHECKOV_BIN := $(abspath $(BUILD)/checkov/bin/checkov)
export SCHEMATHESIS_BIN := $(abspath $(BUILD)/schemathesis/bin/schemathesis)

.PHONY: help setup system-deps nsjail rootfs run test test-namespaces test-gvisor lint bench load \
	slow-clients seccomp bench-publish editor lock image image-deps clean

help:
	@echo "make run    serve the API on http://localhost:8080 (function/server.py)"
	@echo "make test   run every test: both isolation profiles, gVisor included"
	@echo "make bench  latency, throughput and CPU per execution, warm jails off and on, both profiles"
	@echo "make load   1000 requests at concurrency 16, in both profiles"
	@echo "make bench-publish  start-up and per-result cost of publishing results to Pub/Sub"
	@echo "make slow-clients  a dozen slow or non-reading clients beside normal traffic"
	@echo "make image  build the deployable image with podman (part of make test)"
	@echo "make seccomp  trace the corpus in both profiles and write the seccomp allowlist"
	@echo "make editor   rebuild the playground's editor bundle from editor/package-lock.json"

# Test tools whose dependencies clash with the function's get a virtualenv each.
TOOLS := checkov schemathesis
TOOL_VENVS := $(foreach tool,$(TOOLS),$(BUILD)/$(tool)/.installed)

setup: system-deps nsjail rootfs $(VENV)/.installed $(TOOL_VENVS)

define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f '$${Status}\n' $$p 2>/dev/null \
		| grep -qx 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "apt-get install:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

system-deps:
	$(call apt_install,$(APT_PACKAGES))

image-deps:
	$(call apt_install,$(IMAGE_PACKAGES))

# The deployable image, built here as Cloud Build builds it (sandbox-image/Dockerfile).
image: image-deps
	sandbox-image/make-base.sh $(BASE_IMAGE)
	sandbox-image/build-image.sh $(PYEXEC_IMAGE) $(BASE_IMAGE)

nsjail: system-deps
	nsjail-patch/build.sh $(BUILD)/nsjail

rootfs: system-deps
	sandbox-image/build-rootfs.sh $(ROOTFS)

$(VENV)/.installed: function/requirements.txt function/install.sh requirements-dev.txt
	function/install.sh $(VENV)
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The function's lock file, from its direct dependencies (the image installs the same lock).
lock: $(BUILD)/piptools/.installed
	$(BUILD)/piptools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links \
		--output-file function/requirements.txt function/requirements.in

$(BUILD)/%/.installed: requirements-%.txt
	python3 -m venv $(BUILD)/$*
	$(BUILD)/$*/bin/pip install --quiet -r $<
	touch $@

run: system-deps nsjail rootfs $(VENV)/.installed
	PATH="$(abspath $(VENV))/bin:$$PATH" function/server.py

test: setup image
	$(MAKE) lint test-namespaces test-gvisor

# Everything on this host's kernel (the namespaces profile, unit tests, build checks).
test-namespaces:
	$(PYTHON) -m pytest tests

# The behaviour tests again inside gVisor, where `auto` must choose the gvisor profile.
test-gvisor:
	runsc --network=none do env PYEXEC_EXPECT_PROFILE=gvisor \
		$(PYTHON) -m pytest -p no:cacheprovider tests/test_sandbox.py tests/test_api.py tests/test_events.py \
		tests/test_attacks.py tests/test_faults.py tests/test_neighbours.py tests/test_clients.py \
		tests/test_bad_input.py tests/test_warm.py tests/test_seccomp.py tests/test_forbidden_calls.py tests/test_compat.py

lint:
	$(PYTHON) -m ruff check function tests benchmarks seccomp
	$(PYTHON) -m ruff format --check function tests benchmarks seccomp
	$(PYTHON) -m mypy

# 1000 requests at concurrency 16 against one server, in each profile (not part of `make test`).
load: setup
	$(PYTHON) benchmarks/load.py
	runsc --network=none do $(PYTHON) benchmarks/load.py

# Twelve slow or non-reading clients beside normal traffic (not part of `make test`).
slow-clients: setup
	$(PYTHON) benchmarks/slow_clients.py

# Trace the corpus in both profiles and write the seccomp allowlist from it (seccomp/generate.py).
seccomp: setup
	$(call apt_install,strace)
	$(PYTHON) seccomp/generate.py

# The playground's CodeMirror bundle, from editor/package-lock.json (needs Node and npm; the
# bundle is committed, so `make run` and `make test` never do).
editor:
	editor/build.sh

# What publishing results costs, against the Pub/Sub emulator (not part of `make test`).
bench-publish: setup
	$(PYTHON) benchmarks/publish.py

bench: setup
	$(PYTHON) benchmarks/latency.py
	runsc --network=none do $(PYTHON) benchmarks/latency.py

clean:
	rm -rf $(BUILD) $(VENV)
