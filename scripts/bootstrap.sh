#!/usr/bin/env bash
# Create .venv and install requirements-dev.txt: the runtime pins of requirements.txt plus the
# test and tooling packages. uv when it is available, pip otherwise. Production installs
# requirements.txt alone (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  if command -v uv >/dev/null 2>&1; then
    uv venv --quiet --python "$PYTHON" .venv
  else
    "$PYTHON" -m venv .venv
  fi
fi
if command -v uv >/dev/null 2>&1; then
  uv pip install --quiet --python .venv/bin/python -r requirements-dev.txt
else
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
fi
touch .venv/.installed
