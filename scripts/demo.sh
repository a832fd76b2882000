#!/usr/bin/env bash
# The demo on a fresh Debian or Ubuntu machine, in one command: Graphviz's `dot` (when it is
# missing and we may install it), a virtual environment in .venv, graphgrad with its demo
# extras, then `python -m graphgrad.demo` (extra arguments are passed on, e.g. --out FOLDER).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq graphviz) || echo "could not install graphviz: drawings will be .dot files"
  elif command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo apt-get install -y -qq graphviz) || echo "could not install graphviz: drawings will be .dot files"
  fi
fi

python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
# A regular (not editable) install: the demo needs no edits to the source, and setuptools warns
# about editable installs of a flat layout run from the checkout.
python -m pip install -q ".[demo]"
python -m graphgrad.demo "$@"
