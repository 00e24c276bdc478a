"""gunicorn's settings, read by ./run.sh and by the benchmarks alike (gunicorn loads this file from
the working directory). WEB_WORKERS and WEB_THREADS override the defaults."""

import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
