# The two commands a new user types (each sets itself up first):
#   make build   check and build every example contract into out/
#   make test    run the test suite
.PHONY: build test bench setup

setup:
	@scripts/setup.sh

build: setup
	.venv/bin/slalang check contracts
	.venv/bin/slalang build contracts -o out
	@echo "letters and rule files are in $(CURDIR)/out/"

test: setup
	.venv/bin/python -m pytest

bench: setup
	.venv/bin/python bench/bench_parse.py
