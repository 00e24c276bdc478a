#!/usr/bin/env bash
# Set up everything, create the SQLite database with a demo town, and start the platform
# (web server and background worker). Set DATABASE_URL=postgres://... to use PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
PY=.venv/bin/python
export DEBUG="${DEBUG:-0}" GRIDGUARD_INSECURE_DEV_KEY="${GRIDGUARD_INSECURE_DEV_KEY:-1}"
HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-8000}"

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
if [ "$($PY manage.py shell -c 'from gridguard.grids.models import GridNode; print(GridNode.objects.exists())')" = "False" ]; then
  echo "正在生成演示数据（一个镇、九个村/社区、约 2 万人）… generating the demo town"
  $PY manage.py generate_demo
fi

$PY manage.py run_huey --workers 2 >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo
echo "网格化疫情防控管理平台已启动 / gridguard is running:  http://$HOST:$PORT/"
$PY manage.py demo_logins || true
echo "按 Ctrl+C 停止 (Ctrl+C to stop)"
exec_cmd=(.venv/bin/gunicorn gridguard.wsgi --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile -)
"${exec_cmd[@]}"
