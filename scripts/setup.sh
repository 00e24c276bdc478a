#!/usr/bin/env bash
# Install everything the platform needs into .venv and node_modules (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    PY="$candidate"; break
  fi
done
[ -n "$PY" ] || { echo "需要 Python 3.11 或更高版本 (Python 3.11+ required)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  rm -f .venv/.installed-*; touch "$stamp"
fi

command -v npm >/dev/null 2>&1 || { echo "需要 Node.js/npm 来安装前端资源 (npm required)" >&2; exit 1; }
lockstamp=node_modules/.installed-$(sha1sum package-lock.json | cut -c1-12)
if [ ! -f "$lockstamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$lockstamp"
fi

mkdir -p var
.venv/bin/python manage.py compilemessages_py >/dev/null
