"""Benchmark of mass screening (全员核酸检测) at town scale.

    python bench/screening.py [--persons 1000000] [--batch 1000] [--clients 4] [--samplers 20]
                              [--seed 2020] [--keep]

Builds its own database (SQLite: a fresh file under var/bench/; PostgreSQL when DATABASE_URL points at
one: database gridguard_bench, dropped and created), generates the demo town with --persons persons,
opens a round over the whole town through the services (its scope drawn from the ledger), makes one
sampling point per community, sampler logins with device tokens, and starts the web server as
``./run.sh`` does (gunicorn with gunicorn.conf.py: 2 workers × 4 threads, on a free port, against the bench database). Then
measures against the targets of the issue:

- scan_p95_ms              single scans (one per request, as the sampler's page sends them) through the
                           scans endpoint over HTTP, --samplers samplers at once, each scanning once a
                           second into its own 10-in-1 tubes (< 30 ms at the 95th percentile)
- scans_per_s_saturation   the same samplers scanning as fast as the server answers (≥ 500 scans/s)
- batch_scans_per_s        every person in scope scanned through the batch upload API over HTTP, in
                           batches of --batch from --clients devices at once (≥ 20,000 scans/s); the
                           database is checked afterwards: one sample per person, no tube over capacity
- lab_file_s               a lab file (.csv) with the result of every tube of the round (0.1 % of the
                           pools positive) applied through the lab import, recalls of its positive
                           pools created (< 15 s); a file per 100,000 tubes (one at a million
                           persons), the slowest file's time
- coverage_community_ms    the coverage page of the largest community, rendered by its view for a
                           community official, while scans arrive over HTTP (< 200 ms, p95 of 20)
- missing_grid_ms          a grid's missing list (应检未检) rendered for its grid worker, while scans
                           arrive (< 200 ms, p95 of 20)
- coverage_round_s         the whole round's coverage by node (every node of the subtree), < 1 s

Prints one line per figure (``name = value unit``) and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, Bench, percentile, timed_ms  # noqa: E402

POSITIVE_SHARE = 0.001  # of the pools, in the lab file
LAB_FILE_TUBES = 100_000  # tubes per lab file (the file: 100,000 tubes for a million persons)
PAGE_RENDERS = 20
PACED_SECONDS = 30
SATURATION_SECONDS = 15
OK = re.compile(rb'"ok": ?true')  # an answer that counts, as the API writes it


@dataclass
class World:
    round_id: int
    points: list[int]  # point ids, one per community
    point_paths: list[str]
    persons: list[tuple[int, int]]  # (person id, index of the person's point), in path order
    tokens: list[str]  # one device token per sampler
    batch_token: str
    port: int = 0
    server: subprocess.Popen | None = None  # type: ignore[type-arg]
    used: set[int] = field(default_factory=set)  # persons already scanned


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="scans per upload")
    parser.add_argument("--clients", type=int, default=4, help="devices uploading at once")
    parser.add_argument("--samplers", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    # the server and this process must share the secret: the persons' codes are HMACs under it
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(40)
    os.environ.setdefault("DEBUG", "0")
    bench = Bench("screening", keep=args.keep)
    bench.setup()
    world = None
    try:
        world = build(bench, args)
        start_server(bench, world)
        interactive(bench, world, args)
        batch_upload(bench, world, args)
        lab_file(bench, world)
        coverage(bench, world, args)
    finally:
        if world is not None and world.server is not None:
            world.server.terminate()
            world.server.wait(timeout=30)
        bench.teardown()
    return bench.exit_code()


# --- data ------------------------------------------------------------------------------------------


def build(bench: Bench, args: argparse.Namespace) -> World:
    from django.db import connection
    from django.utils import timezone

    from gridguard.accounts.models import Role
    from gridguard.accounts.scope import system_scope
    from gridguard.accounts.services import device_token_create, user_create
    from gridguard.demo.town import generate_town
    from gridguard.grids.models import GridNode
    from gridguard.screening.models import Enrollment
    from gridguard.screening.services import points, rounds

    bench.note(f"generating {args.persons:,} persons on {bench.vendor} …")
    t = time.perf_counter()
    result = generate_town(persons=args.persons, seed=args.seed, users=False)
    bench.note(f"{result.grids:,} grids, {result.households:,} households in {time.perf_counter() - t:.1f} s")
    scope = system_scope()
    town = GridNode.objects.get_root_nodes().first()
    assert town is not None
    now = timezone.now()
    today = timezone.localdate()
    rnd = rounds.round_create(actor=None, scope=scope, node=town, name="基准轮次", starts_on=today, ends_on=today)
    t = time.perf_counter()
    drawn = rounds.round_open(actor=None, scope=scope, rnd=rnd)
    bench.figure("round_open_s", time.perf_counter() - t, "s")
    bench.note(f"{drawn:,} persons drawn into the round")
    sampler_role = Role.objects.get(code="sampler")
    device_user = user_create(actor=None, username="bench-device", password=secrets.token_urlsafe(16),
                              role=sampler_role, nodes=[town])
    _token, batch_key = device_token_create(actor=device_user, user=device_user, name="批量上传")
    communities = list(GridNode.objects.filter(path__startswith=town.path, depth=town.depth + 1).order_by("path"))
    point_ids, paths = [], []
    for community in communities:
        point = points.point_create(actor=None, scope=scope, rnd=rnd, node=community, name=f"{community.name}采样点",
                                    address=community.name, opens_at=now - dt.timedelta(hours=3),
                                    closes_at=now + dt.timedelta(hours=9), stations=4)
        point_ids.append(point.pk)
        paths.append(community.path)
    tokens = []
    for i in range(args.samplers):
        user = user_create(actor=None, username=f"bench-sampler-{i}", password=secrets.token_urlsafe(16),
                           role=sampler_role, nodes=[communities[i % len(communities)]])
        tokens.append(device_token_create(actor=user, user=user, name=f"采样手机{i}")[1])
    persons = []
    k = 0
    for pid, path in Enrollment.objects.filter(round=rnd).order_by("node_path", "person_id").values_list(
        "person_id", "node_path"
    ).iterator(chunk_size=20_000):
        while not path.startswith(paths[k]):
            k += 1
        persons.append((pid, k))
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # what autovacuum does within a minute of a load
    connection.close()  # the server's processes open their own
    return World(round_id=rnd.pk, points=point_ids, point_paths=paths, persons=persons, tokens=tokens,
                 batch_token=batch_key)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(bench: Bench, world: World) -> None:
    """gunicorn as ./run.sh starts it (its workers and threads from gunicorn.conf.py), against the bench
    database."""
    world.port = _free_port()
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)  # PostgreSQL runs make no file there
    log = open(ROOT / "var" / "bench" / "screening-server.log", "w")  # noqa: SIM115 - closed with the process
    world.server = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "gridguard.wsgi", "--bind", f"127.0.0.1:{world.port}"],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", world.port, timeout=5)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                conn.close()
                bench.note(f"server up on port {world.port}")
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not start: see var/bench/screening-server.log")


# --- scans over HTTP -------------------------------------------------------------------------------


def _body(items: list[dict[str, Any]], device: str) -> bytes:
    return json.dumps({"scans": items, "device": device}, separators=(",", ":")).encode()


def _item(client_id: str, tube: str, pid: int, at: dt.datetime) -> dict[str, Any]:
    from gridguard.screening.codes import make_code

    return {"client_id": client_id, "tube_code": tube, "code": make_code(pid), "device_time": at.isoformat()}


class Poster:
    """One device's keep-alive connection to the scans endpoint."""

    def __init__(self, world: World, token: str):
        self.world = world
        self.conn = http.client.HTTPConnection("127.0.0.1", world.port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, point_index: int, body: bytes) -> bytes:
        path = f"/api/screening/rounds/{self.world.round_id}/points/{self.world.points[point_index]}/scans"
        self.conn.request("POST", path, body=body, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"scans endpoint answered {response.status}: {data[:300]!r}")
        return data


def interactive(bench: Bench, world: World, args: argparse.Namespace) -> None:
    """Samplers scanning one person per request: paced at one a second, then as fast as answered."""
    from django.utils import timezone

    rng = random.Random(args.seed)
    # each sampler scans persons of its own point, from the end of the list (the batch takes the rest)
    # sampler i works at point i mod the number of points (its login is bound to that community)
    queues: list[list[int]] = [[] for _ in range(args.samplers)]
    wanted = (PACED_SECONDS + 10) + SATURATION_SECONDS * 150
    owners: dict[int, list[int]] = {}
    for i in range(args.samplers):
        owners.setdefault(i % len(world.points), []).append(i)
    dealt: dict[int, int] = dict.fromkeys(owners, 0)
    for pid, k in reversed(world.persons):
        if k not in owners:
            continue
        sampler = owners[k][dealt[k] % len(owners[k])]
        if len(queues[sampler]) < wanted:
            queues[sampler].append(pid)
            world.used.add(pid)
            dealt[k] += 1
    now = timezone.now()

    def run(i: int, seconds: float, paced: bool, latencies: list[float], counts: list[int]) -> None:
        poster = Poster(world, world.tokens[i])
        point_index = i % len(world.points)
        queue = queues[i]
        n = 0
        end = time.monotonic() + seconds
        next_at = time.monotonic() + rng.random()
        while time.monotonic() < end and queue:
            if paced:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += 1.0
            pid = queue.pop()
            tube = f"I{i:02d}{counts[i] // 10:07d}{'P' if paced else 'S'}"
            body = _body([_item(f"i-{i}-{pid}", tube, pid, now)], f"sampler-{i}")
            t = time.perf_counter()
            data = poster.post(point_index, body)
            latencies.append((time.perf_counter() - t) * 1000)
            if not OK.search(data):
                raise RuntimeError(f"a scan was refused: {data[:300]!r}")
            counts[i] += 1
            n += 1

    for paced, seconds in ((True, PACED_SECONDS), (False, SATURATION_SECONDS)):
        latencies: list[float] = []
        counts = [0] * args.samplers
        threads = [threading.Thread(target=run, args=(i, seconds, paced, latencies, counts))
                   for i in range(args.samplers)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        if paced:
            bench.figure("scan_p95_ms", percentile(latencies, 95), "ms", at_most=30)
            bench.note(f"{len(latencies)} paced scans, median {percentile(latencies, 50):.1f} ms")
        else:
            bench.figure("scans_per_s_saturation", sum(counts) / elapsed, "scans/s", at_least=500)
            bench.note(f"saturation p95 {percentile(latencies, 95):.1f} ms")


def batch_upload(bench: Bench, world: World, args: argparse.Namespace) -> None:
    """Every other person in scope, by batches from --clients devices at once."""
    from django.db import connection
    from django.utils import timezone

    from gridguard.screening.models import Sample, Tube

    now = timezone.now()
    bodies: list[tuple[int, bytes]] = []
    batch: list[dict[str, Any]] = []
    current = -1
    tube_no = 0
    in_tube = 0
    scans = 0
    for pid, k in world.persons:
        if pid in world.used:
            continue
        if k != current or len(batch) >= args.batch:
            if batch:
                bodies.append((current, _body(batch, "bench-device")))
            batch = []
            if k != current:
                in_tube = 10  # a new point starts a new tube
            current = k
        if in_tube >= 10:
            tube_no += 1
            in_tube = 0
        batch.append(_item(f"b-{pid:012d}", f"B{tube_no:08d}", pid,
                           now - dt.timedelta(seconds=scans % 3600)))
        in_tube += 1
        scans += 1
    if batch:
        bodies.append((current, _body(batch, "bench-device")))
    bench.note(f"{scans:,} scans in {len(bodies):,} uploads prepared")
    accepted = [0] * args.clients
    lock = threading.Lock()
    todo = list(reversed(bodies))

    def client(c: int) -> None:
        poster = Poster(world, world.batch_token)
        while True:
            with lock:
                if not todo:
                    return
                point_index, body = todo.pop()
            data = poster.post(point_index, body)
            accepted[c] += len(OK.findall(data))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    bench.figure("batch_scans_per_s", scans / elapsed, "scans/s", at_least=20_000)
    bench.note(f"{sum(accepted):,} of {scans:,} accepted in {elapsed:.1f} s")
    samples = Sample.objects.filter(round_id=world.round_id).count()
    over = Tube.objects.filter(round_id=world.round_id, used__gt=10).count()
    bench.note(f"check: {samples:,} samples in the round, {over} tubes over capacity")
    if sum(accepted) != scans or over:
        bench.missed.append("batch_scans_correct")
    connection.close()


# --- lab file and coverage -------------------------------------------------------------------------


def lab_file(bench: Bench, world: World) -> None:
    """The result of every tube of the round in .csv files of about 100,000 tubes each, applied through
    the lab import as a lab uploads them (their recalls created for the positive pools)."""
    from django.db import connection
    from django.utils import timezone

    from gridguard.accounts.models import Role
    from gridguard.accounts.scope import system_scope
    from gridguard.accounts.services import user_create
    from gridguard.grids.models import GridNode
    from gridguard.screening.lab_import import results_import_file
    from gridguard.screening.models import Recall, Tube
    from gridguard.screening.services.scans import tube_close

    town = GridNode.objects.get_root_nodes().first()
    for tube in Tube.objects.filter(round_id=world.round_id, status="open").select_related("point"):
        tube_close(actor=None, scope=system_scope(), tube=tube)  # the points close their last tubes
    lab = user_create(actor=None, username="bench-lab", password=secrets.token_urlsafe(16),
                      role=Role.objects.get(code="lab"), nodes=[town])
    codes = list(Tube.objects.filter(round_id=world.round_id).order_by("id").values_list("code", flat=True))
    rng = random.Random(7)
    tested = timezone.localtime() - dt.timedelta(minutes=5)  # a lab reports what it has tested
    # a file per LAB_FILE_TUBES tubes, as labs report (the import refuses a sheet over IMPORT_MAX_ROWS):
    # one file at a million persons; the figure is the slowest file's time
    times: list[float] = []
    positives = 0
    failed = ""
    files = max(1, round(len(codes) / LAB_FILE_TUBES))
    size = -(-len(codes) // files)  # files of equal size, about LAB_FILE_TUBES each
    for part, start in enumerate(range(0, len(codes), size)):
        path = ROOT / "var" / "bench" / f"screening-lab-{os.getpid()}-{part}.csv"
        with path.open("w", encoding="utf-8") as f:
            f.write("管码,结果,检测时间,检测机构\n")
            for code in codes[start : start + size]:
                positive = rng.random() < POSITIVE_SHARE
                positives += positive
                f.write(f"{code},{'阳性' if positive else '阴性'},{tested:%Y-%m-%d %H:%M},县疾控中心实验室\n")
        t = time.perf_counter()
        result = results_import_file(actor=lab, root=town, path=path)
        times.append(time.perf_counter() - t)
        path.unlink(missing_ok=True)
        if result.status != "done" and not failed:
            failed = f"{result.status} {result.message} {result.errors[0] if result.errors else ''}"
    bench.note(f"lab files: {len(codes):,} tubes in {len(times)} file(s), {positives} positive,"
               f" {sum(times):.1f} s in all")
    bench.figure("lab_file_s", max(times), "s", at_most=15)
    recalls = Recall.objects.filter(round_id=world.round_id).count()
    bench.note(f"import: {recalls:,} persons recalled {failed}"[:300])
    if failed or (positives and not recalls):
        bench.missed.append("lab_file_correct")
    connection.close()


def _client(user):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _render_p95(client, url: str, params: dict[str, Any]) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(PAGE_RENDERS + 2):
        ms, response = timed_ms(lambda: client.get(url, params))
        if response.status_code != 200:  # type: ignore[attr-defined]
            raise RuntimeError(f"{url} answered {response.status_code}")  # type: ignore[attr-defined]
        times.append(ms)
    return percentile(times[2:], 95)  # the first two warm the caches


def coverage(bench: Bench, world: World, args: argparse.Namespace) -> None:
    """The coverage pages while scans arrive over HTTP (the interactive samplers' load, re-run on
    persons who have not been scanned: their answers are refusals or acceptances alike), then the
    whole round by node."""
    from django.db.models import Count
    from django.test.utils import override_settings
    from django.urls import reverse

    from gridguard.accounts.models import Role
    from gridguard.accounts.scope import system_scope
    from gridguard.accounts.services import user_create
    from gridguard.grids.models import GridNode
    from gridguard.screening.models import Enrollment, ScreeningRound
    from gridguard.screening.selectors.coverage import round_coverage_tree

    rnd = ScreeningRound.objects.get(pk=world.round_id)
    sizes = {path: 0 for path in world.point_paths}
    for path, n in Enrollment.objects.filter(round=rnd).values_list("node_path").annotate(n=Count("id")):
        for p in sizes:
            if path.startswith(p):
                sizes[p] += n
                break
    biggest = max(sizes, key=lambda p: sizes[p])
    community = GridNode.objects.get(path=biggest)
    grids = list(GridNode.objects.filter(path__startswith=biggest, level__is_grid=True))
    grid_sizes = {g.pk: Enrollment.objects.filter(round=rnd, node_path__gte=g.path, node_path__lt=g.path + "~").count()
                  for g in grids}
    grid = max(grids, key=lambda g: grid_sizes[g.pk])
    bench.note(f"community {community.name}: {sizes[biggest]:,} in the round; grid {grid.name}: {grid_sizes[grid.pk]:,}")
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        official = user_create(actor=None, username="bench-official", password="x" * 12,
                               role=Role.objects.get(code="community_official"), nodes=[community])
        worker = user_create(actor=None, username="bench-worker", password="x" * 12,
                             role=Role.objects.get(code="grid_worker"), nodes=[grid])
    # scans arriving meanwhile: the samplers again, paced, on the persons of the last points
    stop = threading.Event()
    arrived = [0]

    def load(i: int) -> None:
        from django.utils import timezone

        poster = Poster(world, world.tokens[i])
        point_index = i % len(world.points)
        pids = [pid for pid, k in world.persons if k == point_index][-400:]
        now = timezone.now()
        for n, pid in enumerate(pids):
            if stop.is_set():
                return
            poster.post(point_index, _body([_item(f"c-{i}-{pid}-{n}", f"C{i:02d}{n // 10:07d}", pid, now)], "load"))
            arrived[0] += 1
            time.sleep(0.05)

    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(min(args.samplers, 10))]
    for th in threads:
        th.start()
    try:
        url = reverse("screening:coverage", args=[rnd.pk])
        bench.figure("coverage_community_ms", _render_p95(_client(official), url, {"node": community.pk}), "ms",
                     at_most=200)
        url = reverse("screening:coverage_missing", args=[rnd.pk])
        bench.figure("missing_grid_ms", _render_p95(_client(worker), url, {"node": grid.pk}), "ms", at_most=200)
    finally:
        stop.set()
        for th in threads:
            th.join(timeout=30)
    bench.note(f"{arrived[0]} scans arrived over HTTP while the pages were measured")
    times = []
    for _ in range(3):
        ms, tree = timed_ms(lambda: round_coverage_tree(scope=system_scope(), rnd=rnd))
        times.append(ms / 1000)
    bench.figure("coverage_round_s", sorted(times)[1], "s", at_most=1)  # the median of three
    bench.note(f"{len(tree.figures):,} nodes in the round's coverage")  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
