"""The sampler's API: batches of scans answered per scan, replayed by client id, scoped to the
points a sampler may work at, with device tokens; errors as JSON, never a 500."""

import json
import uuid

import pytest

from gridguard.accounts.services import device_token_create
from gridguard.screening.api_sampler import BatchOut
from gridguard.screening.models import PointStaff, Sample, Scan, ScanConflict, Tube, TubeStatus
from gridguard.screening.services import points
from gridguard.screening.services.scans import MAX_BATCH
from gridguard.screening.tests.conftest import at, code

pytestmark = pytest.mark.django_db


def url(rnd, point, rest="scans"):
    return f"/api/screening/rounds/{rnd.pk}/points/{point.pk}/{rest}"


def scan(tube, person_code, **kw):
    return {"client_id": kw.pop("client_id", uuid.uuid4().hex), "tube_code": tube, "code": person_code,
            "device_time": kw.pop("device_time", at(9).isoformat()), **kw}


def post(client, path, data, **kw):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(path, body, content_type="application/json", **kw)


@pytest.fixture
def logged(client, sampler):
    client.force_login(sampler)
    return client


def test_batch_is_answered_per_scan_in_order(logged, rnd, point, residents):
    batch = [scan("TA000001", code(p)) for p in residents.east[:11]]
    response = post(logged, url(rnd, point), {"scans": batch, "device": "phone-1"})
    assert response.status_code == 200
    answers = response.json()["answers"]
    assert [a["client_id"] for a in answers] == [s["client_id"] for s in batch]
    assert [a["outcome"] for a in answers] == ["accepted"] * 10 + ["tube_full"]
    assert answers[0]["person"] == "东**号" and answers[9]["tube_used"] == 10
    assert answers[10]["level"] == "error" and "已满" in answers[10]["message"]
    assert Tube.objects.get(code="TA000001").used == 10
    # written without the schema's check, the answers still are exactly what the schema documents
    assert BatchOut.model_validate(response.json()).model_dump() == response.json()
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_same_batch_twice_and_retry_after_lost_answer_count_once(logged, rnd, point, residents):
    batch = [scan("TA000002", code(p)) for p in residents.east[:4]]
    first = post(logged, url(rnd, point), {"scans": batch}).json()["answers"]
    # the answer was lost: the page sends the same scans again (same client ids), with one more
    retry = batch + [scan("TA000002", code(residents.east[4]))]
    again = post(logged, url(rnd, point), {"scans": retry}).json()["answers"]
    assert [a["outcome"] for a in again] == ["accepted"] * 5
    assert [a["replay"] for a in again] == [True] * 4 + [False]
    assert [a["message"] for a in again[:4]] == [a["message"] for a in first]
    assert Sample.objects.count() == 5 and Scan.objects.count() == 5
    assert Tube.objects.get(code="TA000002").used == 5


def test_device_token_uploads_a_batch(client, sampler, rnd, point, residents):
    _, key = device_token_create(actor=sampler, user=sampler, name="扫码枪 1")
    auth = {"Authorization": f"Bearer {key}"}
    response = post(client, url(rnd, point), {"scans": [scan("TA000003", code(residents.east[0]))],
                                               "device": "gun-1"}, headers=auth)
    assert response.status_code == 200, response.content
    assert response.json()["answers"][0]["outcome"] == "accepted"
    assert Sample.objects.get().device == "gun-1"
    bad = post(client, url(rnd, point), {"scans": [scan("TA000003", code(residents.east[1]))]},
               headers={"Authorization": "Bearer gg_wrong"})
    assert bad.status_code == 401 and bad.json()["code"] == "token_invalid"
    assert Sample.objects.count() == 1


def test_session_post_without_csrf_token_is_refused(rnd, point, residents, sampler):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(sampler)
    response = post(client, url(rnd, point), {"scans": [scan("TA000004", code(residents.east[0]))]})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", None),
        ("[]", None),
        ({"scans": []}, "scans"),
        ({"scans": "x"}, "scans"),
        ({"scans": [{"client_id": "abcdefgh1"}]}, "scans.0.tube_code"),
        ({"scans": [{"client_id": "abcdefgh1", "tube_code": "TA000005", "code": "N1",
                     "device_time": "2026-12-01T09:00:00"}]}, "scans.0.device_time"),
        ({"scans": [{"client_id": "abcdefgh1", "tube_code": "TA000005", "code": "N1",
                     "device_time": "yesterday"}]}, "scans.0.device_time"),
        ({"scans": [{"client_id": "x" * 65, "tube_code": "TA000005", "code": "N1",
                     "device_time": "2026-12-01T09:00:00+08:00"}]}, "scans.0.client_id"),
        ({"scans": [{"client_id": "abcdefgh1", "tube_code": "TA000005", "code": "N\u0000",
                     "device_time": "2026-12-01T09:00:00+08:00"}]}, "scans.0.code"),
        ({"scans": [{"client_id": "abcdefgh1", "tube_code": "TA000005", "code": "N1", "confirm": "maybe",
                     "device_time": "2026-12-01T09:00:00+08:00"}]}, "scans.0.confirm"),
    ],
)
def test_malformed_bodies_are_json_errors_naming_the_field(logged, rnd, point, residents, body, field):
    response = post(logged, url(rnd, point), body)
    assert 400 <= response.status_code < 500, response.content
    data = response.json()
    assert data["code"]
    if field:
        assert field in (data.get("field"), *[e.get("field") for e in data.get("errors", [])]), data
    assert Scan.objects.count() == 0


def test_batch_size_and_body_are_bounded(logged, rnd, point):
    one = scan("TA000006", "N" + "A" * 16)
    response = post(logged, url(rnd, point), {"scans": [dict(one, client_id=f"c{n:08d}") for n in range(MAX_BATCH + 1)]})
    assert response.status_code == 422 and response.json()["field"] == "scans"
    huge = post(logged, url(rnd, point), '{"scans": [], "pad": "' + "x" * (6 * 1024 * 1024) + '"}')
    assert huge.status_code in (400, 413) and huge.json()["code"] in ("bad_request", "too_large")
    assert Scan.objects.count() == 0


def test_bad_items_are_answered_one_by_one(logged, rnd, point, residents):
    batch = [scan("TA000007", code(residents.east[0])), scan("x", code(residents.east[1])),
             scan("TA000007", code(residents.east[2]), mode="pool99")]
    answers = post(logged, url(rnd, point), {"scans": batch}).json()["answers"]
    assert [a["outcome"] for a in answers] == ["accepted", "bad_item", "bad_item"]


def test_unknown_round_or_point_is_404(logged, rnd, point):
    assert post(logged, f"/api/screening/rounds/{rnd.pk}/points/999999/scans",
                {"scans": [scan("TA000008", "N1")]}).status_code == 404
    assert post(logged, f"/api/screening/rounds/999999/points/{point.pk}/scans",
                {"scans": [scan("TA000008", "N1")]}).status_code == 404
    assert post(logged, f"/api/screening/rounds/{rnd.pk}/points/99999999999999999999/scans",
                {"scans": [scan("TA000008", "N1")]}).status_code == 422


def test_charlie_cannot_scan_or_read_here(client, charlie, rnd, point, residents, sampler):
    post_as = client
    post_as.force_login(sampler)
    post(post_as, url(rnd, point), {"scans": [scan("TA000009", code(residents.east[0]))]})
    client.force_login(charlie)
    response = post(client, url(rnd, point), {"scans": [scan("TA000009", code(residents.east[1]))]})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    for rest in ("tubes", "tubes/TA000009", "conflicts"):
        assert client.get(url(rnd, point, rest)).status_code == 403
    assert post(client, url(rnd, point, "tubes/TA000009/close"), {}).status_code == 403
    assert Sample.objects.count() == 1


def test_sampler_of_another_point_cannot_scan_here(client, rnd, point, residents, street_official, town):
    from conftest import _user

    other = points.point_create(actor=street_official, rnd=rnd, node=town.b1, name="西城点", address="西城路",
                                opens_at=at(7), closes_at=at(19))
    dan = _user("dan", "sampler", full_name="采样员乙")
    points.point_staff_add(actor=street_official, point=other, user=dan)
    client.force_login(dan)
    assert post(client, url(rnd, point), {"scans": [scan("TA000010", code(residents.east[0]))]}).status_code == 403
    assert post(client, url(rnd, other), {"scans": [scan("TA000010", code(residents.east[0]))]}).status_code == 200


def test_tube_members_masked_and_open_tubes(logged, rnd, point, residents):
    post(logged, url(rnd, point), {"scans": [scan("TA000011", code(p)) for p in residents.east[:3]]})
    tube = logged.get(url(rnd, point, "tubes/ta000011")).json()
    assert (tube["used"], tube["capacity"], tube["left"], tube["exists"]) == (3, 10, 7, True)
    assert [m["person"] for m in tube["members"]] == ["东**号"] * 3
    fresh = logged.get(url(rnd, point, "tubes/TA000099")).json()
    assert (fresh["exists"], fresh["capacity"], fresh["used"]) == (False, 10, 0)
    assert logged.get(url(rnd, point, "tubes/bad code")).json()["field"] == "code"
    assert [t["code"] for t in logged.get(url(rnd, point, "tubes")).json()] == ["TA000011"]


def test_official_sees_full_names(client, street_official, rnd, point, residents):
    client.force_login(street_official)
    post(client, url(rnd, point), {"scans": [scan("TA000012", code(residents.east[0]))]})
    assert client.get(url(rnd, point, "tubes/TA000012")).json()["members"][0]["person"] == "东00号"


def test_close_by_hand_and_move_a_person(logged, rnd, point, residents):
    post(logged, url(rnd, point), {"scans": [scan("TA000013", code(p)) for p in residents.east[:2]]})
    post(logged, url(rnd, point), {"scans": [scan("TA000014", code(residents.east[2]))]})
    first = logged.get(url(rnd, point, "tubes/TA000013")).json()["members"][0]
    moved = post(logged, url(rnd, point, f"samples/{first['sample_id']}/move"), {"to_tube": "TA000014",
                                                                               "reason": "扫错管"})
    assert moved.status_code == 200, moved.content
    data = moved.json()
    assert (data["from_tube"]["used"], data["to_tube"]["used"]) == (1, 2)
    refused = post(logged, url(rnd, point, f"samples/{first['sample_id']}/move"), {"to_tube": "TA000014"})
    assert refused.status_code == 400 and refused.json() == {"code": "same_tube", "message": "已在此管中",
                                                             "field": "to_tube"}
    closed = post(logged, url(rnd, point, "tubes/TA000014/close"), {})
    assert closed.status_code == 200 and closed.json()["status"] == TubeStatus.CLOSED
    empty = post(logged, url(rnd, point, "tubes/TA000077/close"), {})
    assert empty.status_code == 404 and empty.json()["code"] == "not_found"
    assert post(logged, url(rnd, point, "samples/999999/move"), {"to_tube": "TA000014"}).status_code == 404
    missing = post(logged, url(rnd, point, f"samples/{first['sample_id']}/move"), {})
    assert missing.status_code == 422 and missing.json()["field"] == "to_tube"


def test_conflicts_for_the_leader_only(client, sampler, rnd, point, residents, street_official):
    from conftest import _user

    client.force_login(sampler)
    p = residents.east[0]
    post(client, url(rnd, point), {"scans": [scan("TA000015", code(p))], "device": "phone-1"})
    post(client, url(rnd, point), {"scans": [scan("TA000016", code(p))], "device": "phone-2"})
    assert ScanConflict.objects.count() == 1
    assert client.get(url(rnd, point, "conflicts")).status_code == 403
    lead = _user("lead", "sampler", full_name="点长")
    points.point_staff_add(actor=street_official, point=point, user=lead, duty=PointStaff.Duty.LEADER)
    client.force_login(lead)
    rows = client.get(url(rnd, point, "conflicts")).json()
    assert [(r["person"], r["kept_tube"], r["refused_tube"], r["refused_device"]) for r in rows] == [
        ("东**号", "TA000015", "TA000016", "phone-2")
    ]


def test_scans_in_a_round_not_open_are_refused(logged, rnd, point, residents):
    rnd.status = "closed"
    rnd.save(update_fields=["status"])
    response = post(logged, url(rnd, point), {"scans": [scan("TA000017", code(residents.east[0]))]})
    assert response.status_code == 400 and response.json()["code"] == "round_not_open"


def test_openapi_schema_has_the_sampler_paths(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    base = "/api/screening/rounds/{round_id}/points/{point_id}"
    for rest in ("/scans", "/tubes", "/tubes/{code}", "/tubes/{code}/close", "/samples/{sample_id}/move",
                 "/conflicts"):
        assert base + rest in paths


def test_a_batch_takes_the_same_queries_as_one_scan(logged, rnd, point, residents):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post(logged, url(rnd, point), {"scans": [scan("TA000020", code(residents.east[0]))]})  # the session warmed
    with CaptureQueriesContext(connection) as one:
        post(logged, url(rnd, point), {"scans": [scan("TA000021", code(residents.east[1]))]})
    with CaptureQueriesContext(connection) as ten:
        post(logged, url(rnd, point), {"scans": [scan("TA000022", code(p)) for p in residents.east[2:12]]})
    assert len(ten) <= len(one) + 2, [q["sql"] for q in ten]


def test_a_batch_reads_the_samples_of_its_persons_not_of_the_round(logged, rnd, point, residents):
    """The earlier samples of a batch's persons are read by the person's index: read by the round's
    index instead, a batch costs more with every sample already taken (a round of a million)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post(logged, url(rnd, point), {"scans": [scan("TA000030", code(p)) for p in residents.east[:5]]})
    with CaptureQueriesContext(connection) as batch:
        post(logged, url(rnd, point), {"scans": [scan("TA000031", code(p)) for p in residents.east[5:10]]})
    reads = [q["sql"] for q in batch if "FROM screening_sample s" in q["sql"]]
    assert len(reads) == 1
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            plan = " ".join(str(row) for row in cur.execute("EXPLAIN QUERY PLAN " + reads[0]).fetchall())
            assert "person_id" in plan and "round_id=?" not in plan, plan
        else:  # bound on the server: the statement has $1, $2 (the round, the persons' ids)
            cur.execute("PREPARE earlier_samples AS " + reads[0])
            ids = "{" + ",".join(str(p.pk) for p in residents.east[5:10]) + "}"
            cur.execute(f"EXPLAIN EXECUTE earlier_samples({rnd.pk}, '{ids}')")
            plan = " ".join(row[0] for row in cur.fetchall())
            cur.execute("DEALLOCATE earlier_samples")
            assert "sample_hour_idx" not in plan, plan
            # the batch's transaction (the test's own, here) forbids sequential scans: a few test rows
            # or stale statistics would have the planner scan the table
            assert "Seq Scan on screening_sample" not in plan, plan
