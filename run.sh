#!/usr/bin/env bash
# Set up everything, create the SQLite database with a demo town, and start the platform
# (web server and background worker). Set DATABASE_URL=postgres://... to use PostgreSQL.
#
#   ./run.sh           with the demo town (城关镇, about 20,000 persons, demo logins)
#   ./run.sh --empty   for one's own town: no demo; asks for the town's name, its levels and the
#                      administrator's password (or reads GRIDGUARD_TOWN_NAME, GRIDGUARD_TOWN_LEVEL,
#                      GRIDGUARD_LEVEL_NAMES, GRIDGUARD_ADMIN_USERNAME, GRIDGUARD_ADMIN_PASSWORD);
#                      then import the tree and the ledgers (`manage.py import_tree`, the 导入 page)
set -euo pipefail
cd "$(dirname "$0")"
EMPTY="${GRIDGUARD_EMPTY:-0}"
for arg in "$@"; do
  case "$arg" in
    --empty) EMPTY=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "未知参数 / unknown argument: $arg (./run.sh [--empty])" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh
PY=.venv/bin/python
mkdir -p var
[ -s var/secret_key ] || $PY -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
export DEBUG="${DEBUG:-0}" SECRET_KEY="${SECRET_KEY:-$(cat var/secret_key)}"
HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-8000}"

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
if [ "$EMPTY" = "1" ]; then
  echo "不生成演示数据：建立自己的镇/街道（已有数据时跳过） / your own town, no demo (skipped when data exists)"
  $PY manage.py start_town --if-empty
else
  echo "演示数据：一个镇、九个村/社区、约 2 万人（已有数据时跳过） / demo town (skipped when data exists)"
  $PY manage.py generate_demo --if-empty
fi

$PY manage.py run_huey --workers 2 >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo
echo "网格化疫情防控管理平台已启动 / gridguard is running:  http://$HOST:$PORT/"
[ "$EMPTY" = "1" ] || $PY manage.py demo_logins || true
echo "按 Ctrl+C 停止 (Ctrl+C to stop)"
exec_cmd=(.venv/bin/gunicorn gridguard.wsgi --bind "$HOST:$PORT" --access-logfile -)  # workers, threads: gunicorn.conf.py
"${exec_cmd[@]}"
