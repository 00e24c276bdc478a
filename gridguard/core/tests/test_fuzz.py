"""A bounded schema fuzz run: schemathesis reads the API's own OpenAPI schema (/api/openapi.json) and
sends a few generated requests to every operation — valid ones and ones that break the schema, and
valid ones again aimed at rows that exist — as a real user with a device token, through Django's
test client (no network), over seeded data. It fails on any 5xx and on any error answered in
something other than JSON.

Deterministic (hypothesis derandomized, no example database) and bounded: ``GRIDGUARD_FUZZ_EXAMPLES``
examples per operation and mode (default 3) keep it well under a minute per database on a 2-core
machine. Raise it locally for a deeper run: ``GRIDGUARD_FUZZ_EXAMPLES=50 pytest -k fuzz``.
"""

from __future__ import annotations

import json
import os
import time
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Err, Ok
from schemathesis.transport.wsgi import WSGI_TRANSPORT
from werkzeug.test import EnvironBuilder

from conftest import idno
from gridguard.accounts.services import device_token_create
from gridguard.control import services as control
from gridguard.control.models import ScheduledTest
from gridguard.grids.models import Duty, StaffAssignment
from gridguard.people import services as people

EXAMPLES = int(os.environ.get("GRIDGUARD_FUZZ_EXAMPLES", "3"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same requests on every run and machine
    database=None,  # no examples remembered between runs
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # failures are collected, not raised: nothing to shrink
    suppress_health_check=list(HealthCheck),
    verbosity=Verbosity.quiet,
)


@pytest.fixture
def world(town, alice, street_official):
    """A little of everything the API reads, in alice's 东城社区 (and one household outside it)."""
    east = people.household_create(actor=street_official, node=town.a1_b1, room="101")
    west = people.household_create(actor=street_official, node=town.b1_b1, room="909")
    zs = people.person_register(
        actor=street_official,
        household=east,
        data={"name": "张三", "id_number": idno(1980, 1), "phone": "13812345678", "relation": "户主"},
    )
    ls = people.person_register(
        actor=street_official,
        household=east,
        data={"name": "李四", "id_number": idno(1982, 2), "relation": "配偶", "tags": ["低保"]},
    )
    people.person_register(actor=street_official, household=west, data={"name": "王五", "relation": "户主"})
    org = people.organization_create(
        actor=street_official, node=town.a1, data={"name": "东城超市", "kind": "shop"}
    )
    staff = [
        StaffAssignment.objects.create(node=node, duty=duty, name=name, phone="13900000000")
        for node, duty, name in (
            (town.town, Duty.LIAISON_CADRE, "镇干部甲"),
            (town.east, Duty.COMMITTEE, "两委甲"),
            (town.east, Duty.COMMITTEE, "两委乙"),
            (town.east, Duty.MEDIC, "孙医生"),
        )
    ]
    order = control.order_create(actor=street_official, person=zs, category="close_contact", measure="home")
    control.check_record(order=order, actor=street_official, temperature="38.2")  # a fever: an alert
    need = control.need_create(order=order, actor=street_official, kind="other", detail="代买药品")
    arrival = control.arrival_submit(
        poster=town.east,
        data={
            "name": "赵六",
            "id_number": idno(1992, 5),
            "phone": "13700001111",
            "from_place": "上海市浦东新区",
            "arrival_date": timezone.localdate().isoformat(),
            "address": "东城社区 1号楼 202",
        },
    )
    return SimpleNamespace(
        ids={
            "node_id": town.a1.pk,
            "person_id": ls.pk,
            "household_id": east.pk,
            "org_id": org.pk,
            "order_id": order.pk,
            "test_id": ScheduledTest.objects.filter(order=order).order_by("id").values_list("pk", flat=True)[0],
            "alert_id": order.alerts.order_by("id").values_list("pk", flat=True)[0],
            "need_id": need.pk,
            "report_id": arrival.pk,
            "job_id": 1,
            # ids in bodies and queries
            "node": town.a1.pk,
            "target": town.a2.pk,
            "root": town.east.pk,
            "owner_id": alice.pk,
            "staff_id": staff[-1].pk,
        }
    )


def _aim(case: Any, ids: dict[str, int]) -> Any:
    """Point the ids a generated body or query holds (node_id, person_id, target…) at seeded rows, so
    the request gets past the look-up and into the service."""

    def aim(data: Any) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                if key in ids and (value is None or isinstance(value, int)):
                    data[key] = ids[key]
                else:
                    aim(value)
        elif isinstance(data, list):
            for item in data:
                aim(item)

    aim(case.body)
    aim(case.query)
    return case


def _environ(case: Any) -> dict[str, Any]:
    """The case as a WSGI environ, serialized as schemathesis sends it to a WSGI app (werkzeug)."""
    kwargs = WSGI_TRANSPORT.serialize_case(case)
    builder = EnvironBuilder(
        **{k: v for k, v in kwargs.items() if k in ("method", "path", "headers", "query_string", "data", "json", "content_type")}
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _send(client: Client, case: Any) -> tuple[Any, str]:
    environ = _environ(case)
    body = environ["wsgi.input"].read()
    response = client.generic(
        environ["REQUEST_METHOD"],
        environ["PATH_INFO"].encode("latin-1").decode("utf-8", "replace"),
        data=body,
        content_type=environ.get("CONTENT_TYPE", ""),
        QUERY_STRING=environ.get("QUERY_STRING", ""),
        **{k: v for k, v in environ.items() if k.startswith("HTTP_") and k != "HTTP_HOST"},
    )
    shown = f"{case.method} {environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')} {body[:300]!r}"
    return response, shown


def _problem(response: Any) -> str | None:
    if response.status_code >= 500:
        exc_info = getattr(response, "exc_info", None)  # the test client keeps the uncaught exception
        return f"HTTP {response.status_code} ({exc_info[1]!r:.300})" if exc_info else f"HTTP {response.status_code}"
    if response.status_code >= 400:
        if not response.get("Content-Type", "").startswith("application/json"):
            return f"HTTP {response.status_code} answered as {response.get('Content-Type')!r}, not JSON"
        try:
            body = json.loads(response.content)
        except ValueError:
            return f"HTTP {response.status_code}: body is not JSON"
        if not (isinstance(body, dict) and body.get("code") and body.get("message")):
            return f"HTTP {response.status_code}: error body without code and message: {body!r:.200}"
    return None


def _fuzz(strategy: Any, label: str, client: Client, failures: list[str]) -> int:
    """Send the strategy's examples; note each problem. Answers how many requests went out."""
    sent = 0

    @FUZZ_SETTINGS
    @given(case=strategy)
    def run(case: Any) -> None:
        nonlocal sent
        response, shown = _send(client, case)
        sent += 1
        problem = _problem(response)
        if problem:
            failures.append(f"{label} {problem}: {shown}")

    run()
    return sent


def test_the_api_survives_a_schema_fuzz_run(client, world, alice) -> None:
    """No 5xx and no non-JSON error for any generated request to any operation of the schema."""
    schema = schemathesis.openapi.from_dict(client.get("/api/openapi.json").json())
    _, key = device_token_create(actor=alice, user=alice, name="fuzz")
    auth = {"Authorization": f"Bearer {key}"}
    fuzz_client = Client(raise_request_exception=False)
    failures: list[str] = []
    sent = 0
    started = time.monotonic()

    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), [r.err() for r in results if isinstance(r, Err)]
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) >= 40, "the schema lists the API's operations"
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        positive = operation.as_strategy(headers=auth, generation_mode=GenerationMode.POSITIVE)
        runs = [("positive", positive)]
        if len(operation.path_parameters) or len(operation.query) or len(operation.body):
            runs.append(("negative", operation.as_strategy(headers=auth, generation_mode=GenerationMode.NEGATIVE)))
        if all(n in world.ids for n in names) and (names or len(operation.query) or len(operation.body)):
            existing = operation.as_strategy(
                headers=auth,
                generation_mode=GenerationMode.POSITIVE,
                path_parameters={n: world.ids[n] for n in names},
            )
            runs.append(("existing rows", existing.map(lambda case: _aim(case, world.ids))))
        for label, strategy in runs:
            sent += _fuzz(strategy, f"{operation.label} [{label}]", fuzz_client, failures)

    elapsed = time.monotonic() - started
    print(f"schema fuzz run: {sent} requests to {len(operations)} operations in {elapsed:.1f} s")
    assert sent >= len(operations) * 2
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} failures)"
