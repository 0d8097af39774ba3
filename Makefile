# The two commands a new user types (each sets itself up first):
#   make build   check, lint and build every example contract into out/
#   make test    the habits (lint, format, types, layering), then the test suite
# and `make bench` for the benchmarks (installs the benchmark-only baselines).
.PHONY: build test check-habits bench setup setup-test

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh test

build: setup
	.venv/bin/slalang check contracts
	.venv/bin/slalang lint contracts
	.venv/bin/slalang build contracts -o out
	@echo
	@echo "letters (PDF/A-3b with the rules attached, and HTML) and rule files are in $(CURDIR)/out/:"
	@ls -1 out/*.pdf | sed 's|^|  $(CURDIR)/|'

test: setup-test check-habits
	.venv/bin/python -m pytest

# Each fails the build on its own: ruff (lint rules and the formatter's
# layout, both configured in pyproject.toml), mypy on slalang/ and the
# import-linter contracts that keep the layers of ARCHITECTURE.md.
check-habits: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

bench: setup
	.venv/bin/python -m pip install -q -e ".[bench]"
	.venv/bin/python bench/bench_parse.py
	.venv/bin/python bench/bench_runtime.py
	.venv/bin/python bench/bench_letter.py
	.venv/bin/python bench/bench_lint.py
	.venv/bin/python bench/bench_review.py
