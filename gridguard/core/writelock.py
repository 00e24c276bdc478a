"""One writer at a time on SQLite, queued instead of polled.

SQLite lets one transaction write at a time; a second writer waits in SQLite's busy handler, which
sleeps in growing steps (1, 2, 5 … 100 ms) and checks again, so under a burst of small writes (a
sampler's single scans from many phones) most of the time goes to sleeping after the lock is already
free. A hot write path takes this lock around its transaction instead: threads of a process queue on
a mutex, processes on an ``flock`` of a file beside the database, and the kernel wakes the next one
the moment the lock is released. On PostgreSQL (row locks) and an in-memory test database it does
nothing.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_mutex = threading.Lock()
_files: dict[str, int] = {}


def _lock_file() -> int | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if not name or name.startswith("file:") or name == ":memory:":
        return None
    path = name + ".writelock"
    fd = _files.get(path)
    if fd is None:
        fd = _files[path] = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    return fd


@contextmanager
def sqlite_writer() -> Iterator[None]:
    """Hold the database's write turn (SQLite only) for the block: wrap a write transaction in it."""
    fd = _lock_file()
    if fd is None or connection.in_atomic_block:  # nested in a transaction: the outer one holds SQLite's lock
        yield
        return
    with _mutex:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
