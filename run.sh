#!/usr/bin/env bash
# Set up everything, create the SQLite database with a demo town, and start the platform
# (web server and background worker). Set DATABASE_URL=postgres://... to use PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
PY=.venv/bin/python
mkdir -p var
[ -s var/secret_key ] || $PY -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
export DEBUG="${DEBUG:-0}" SECRET_KEY="${SECRET_KEY:-$(cat var/secret_key)}"
HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-8000}"

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
echo "演示数据：一个镇、九个村/社区、约 2 万人（已有数据时跳过） / demo town (skipped when data exists)"
$PY manage.py generate_demo --if-empty

$PY manage.py run_huey --workers 2 >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo
echo "网格化疫情防控管理平台已启动 / gridguard is running:  http://$HOST:$PORT/"
$PY manage.py demo_logins || true
echo "按 Ctrl+C 停止 (Ctrl+C to stop)"
exec_cmd=(.venv/bin/gunicorn gridguard.wsgi --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile -)
"${exec_cmd[@]}"
