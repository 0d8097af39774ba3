#!/usr/bin/env bash
# One-time (and idempotent) set-up for a fresh Debian/Ubuntu machine:
# the Debian packages the letter needs, then a virtual environment in .venv
# with slalang installed in editable mode and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS="fonts-noto-cjk libharfbuzz-subset0 poppler-utils qpdf"
# `scripts/setup.sh test`: also what only the tests need (the HTML letter is
# opened in headless Chromium by tests/test_letter_browser.py; the emitted
# Spark SQL runs on local PySpark, which needs a Java runtime, in
# tests/test_sql_spark.py — PySpark itself is in the `test` extra).
if [ "${1:-}" = "test" ]; then
  DEBS="$DEBS chromium openjdk-17-jre-headless"
fi
missing=""
for p in $DEBS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.slalang-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing slalang and its dependencies into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  touch "$stamp"
fi
