"""Shared set-up for the benchmark scripts: a dedicated database, Django, timing and figures.

A bench never touches the developer's database: on SQLite it uses a fresh file under var/bench/,
on PostgreSQL (when DATABASE_URL points at one) it creates and drops ``gridguard_bench`` (or
$GRIDGUARD_BENCH_DB) on the same server. Each figure is printed as one line ``name = value unit``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("GRIDGUARD_BENCH_DB", "gridguard_bench")  # PostgreSQL database the bench owns


PG_SETTINGS = ("server_version", "shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression",
               "autovacuum", "synchronous_commit")


def server_settings() -> str:
    """The PostgreSQL settings the figures depend on, printed with them (README: PostgreSQL in production)."""
    from django.db import connection

    with connection.cursor() as cur:
        values = []
        for name in PG_SETTINGS:
            cur.execute(f"SHOW {name}")
            values.append(f"{name}={cur.fetchone()[0]}")
    return ", ".join(values)


class Bench:
    def __init__(self, name: str, keep: bool = False):
        self.name = name
        self.keep = keep
        self.vendor = ""
        self.missed: list[str] = []
        self._cleanup: Callable[[], None] | None = None

    # --- database ---------------------------------------------------------------------------

    def setup(self) -> None:
        """Point DATABASE_URL at a fresh bench database, then set Django up and migrate."""
        sys.path.insert(0, str(ROOT))
        os.chdir(ROOT)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridguard.settings")
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://", "pgsql://")):
            self._setup_postgres(url)
        else:
            self._setup_sqlite()
        import django

        django.setup()
        from django.core.management import call_command

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        self.note(f"migrate: {time.perf_counter() - t:.1f} s on {self.vendor}")
        if self.vendor == "postgresql":
            self.note("server: " + server_settings())

    def _setup_sqlite(self) -> None:
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}-{os.getpid()}.sqlite3"  # runs side by side do not share a file
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        self.vendor = "sqlite"

        def cleanup() -> None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        self._cleanup = cleanup

    def _setup_postgres(self, url: str) -> None:
        import psycopg

        parts = urlsplit(url)
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
        self.vendor = "postgresql"

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")

        self._cleanup = cleanup

    def teardown(self) -> None:
        if self._cleanup is None:
            return
        if self.keep:
            self.note(f"kept the bench database ({os.environ['DATABASE_URL']})")
            return
        self._cleanup()

    # --- output -----------------------------------------------------------------------------

    @staticmethod
    def note(text: str) -> None:
        print(f"# {text}", flush=True)

    def figure(self, name: str, value: float | str, unit: str = "", *, at_most: float | None = None,
               at_least: float | None = None) -> None:
        """Print ``name = value unit``; a number beyond its target is remembered as missed."""
        if isinstance(value, str):
            print(f"{name} = {value}", flush=True)
            return
        shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
        target = ""
        if at_most is not None:
            target = f"  (target ≤ {at_most:g})"
            if value > at_most:
                self.missed.append(name)
                target += "  MISSED"
        if at_least is not None:
            target = f"  (target ≥ {at_least:,.0f})"
            if value < at_least:
                self.missed.append(name)
                target += "  MISSED"
        print(f"{name} = {shown} {unit}{target}".rstrip(), flush=True)

    def exit_code(self) -> int:
        if self.missed:
            self.note("missed targets: " + ", ".join(self.missed))
            return 1
        return 0


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def timed_ms(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t) * 1000, result
