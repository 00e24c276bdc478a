"""gunicorn's settings, read by ./run.sh and by the benchmarks alike (gunicorn loads this file from
the working directory). WEB_WORKERS and WEB_THREADS override the defaults."""

import os
import sys

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    if os.environ.get("WEB_SWITCH_MS"):
        sys.setswitchinterval(float(os.environ["WEB_SWITCH_MS"]) / 1000)
