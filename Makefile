# shopstream: `make demo` runs the main job on generated data; `make test` runs the test suite.
SHELL := /bin/bash
VENV := .venv
SS := $(VENV)/bin/shopstream
EVENTS ?= 200000
BENCH_EVENTS ?= 1000000
BENCH_JOBS ?= user_profiles,ad_features
BENCH_TOGETHER ?= engagement
BENCH_ARGS ?=

.PHONY: install demo test test-unit down status bench clean

install:
	@./scripts/bootstrap.sh

demo: install
	@$(SS) up
	@$(SS) generate --if-empty --events $(EVENTS) --bad-share 0.01 --late-share 0.005 --duplicate-share 0.01
	@$(SS) run engagement --bounded
	@$(SS) guide

test: install
	@$(VENV)/bin/python -m pytest

test-unit: install
	@$(VENV)/bin/python -m pytest tests/unit

# benchmarks: README.md, section Benchmarks (results in bench/results/)
bench: install
	@$(VENV)/bin/python -m bench.run --events $(BENCH_EVENTS) --jobs $(BENCH_JOBS) --together $(BENCH_TOGETHER) \
		$(BENCH_ARGS)

down:
	@$(SS) down

status:
	@$(SS) status

clean: down
	rm -rf .local/stack
