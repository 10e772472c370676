#!/usr/bin/env bash
# Creates .venv with the Python package and its exact pins (torch 2.13.0 is a CPU build that pip
# finds on this machine's disk; never an unpinned torch, which pulls a multi-GB CUDA build).
# Re-running is cheap: it only installs when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ -f "$stamp" ]; then exit 0; fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[dev]"
rm -f .venv/.installed-*
touch "$stamp"
echo "python environment ready: .venv"
