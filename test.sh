#!/usr/bin/env bash
# Run the whole test suite: lint, types, then pytest on SQLite and on PostgreSQL.
# PostgreSQL: DATABASE_URL_PG (default postgres://postgres@127.0.0.1:5432/gridguard); the
# local cluster is started if it is not running. It fails (never skips) when PostgreSQL
# cannot be reached.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
PY=.venv/bin/python
PG_URL="${DATABASE_URL_PG:-postgres://postgres@127.0.0.1:5432/gridguard}"

echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy gridguard
echo "== migrations are up to date"; env -u DATABASE_URL $PY manage.py makemigrations --check --dry-run >/dev/null

pg_ready() { $PY - "$PG_URL" <<'PYEOF'
import sys, psycopg, dj_database_url
cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(exc, file=sys.stderr); sys.exit(1)
PYEOF
}
if ! pg_ready 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    sleep 2
  fi
fi
pg_ready || { echo "PostgreSQL 无法连接 ($PG_URL)：测试失败 (PostgreSQL unreachable: failing, not skipping)" >&2; exit 1; }

echo "== pytest on SQLite"
env -u DATABASE_URL $PY -m pytest "$@"
echo "== pytest on PostgreSQL"
DATABASE_URL="$PG_URL" $PY -m pytest "$@"
