from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from conftest import idno
from gridguard.accounts.services import device_token_create
from gridguard.people.models import Person

HEADER = "楼栋,房号,姓名,身份证号,与户主关系\n"


def _csv(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("村民.csv", (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8"))


def test_upload_runs_the_job_and_reports(client, alice, town, django_capture_on_commit_callbacks):
    client.force_login(alice)
    good = f"1号楼,201,赵六,{idno(1970, 5)},户主"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports", {"kind": "people", "root": town.a1.pk, "file": _csv(good)})
    assert response.status_code == 202, response.content
    job = client.get(f"/api/imports/{response.json()['id']}").json()
    assert job["status"] == "done" and job["imported_rows"] == 1
    assert Person.objects.filter(name="赵六", node_path__startswith=town.a1_b1.path).exists()


def test_bad_file_is_refused_with_row_and_column(client, alice, town, django_capture_on_commit_callbacks):
    client.force_login(alice)
    bad = "1号楼,202,钱七,110105194912310021,户主"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports", {"kind": "people", "root": town.a1.pk, "file": _csv(bad)})
    job = client.get(f"/api/imports/{response.json()['id']}").json()
    assert job["status"] == "refused" and job["imported_rows"] == 0
    error = job["errors"][0]
    assert error["row"] == 2 and error["column"] == "身份证号" and "校验位" in error["message"]


def test_device_token_cannot_import_outside_its_grid(client, charlie, town):
    _, key = device_token_create(actor=charlie, user=charlie, name="平板")
    good = f"1号楼,201,赵六,{idno(1970, 5)},户主"
    response = client.post(
        "/api/imports",
        {"kind": "people", "root": town.a1.pk, "file": _csv(good)},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 404
    assert not Person.objects.filter(name="赵六").exists()


def test_other_users_job_is_not_visible(client, alice, street_official, town):
    client.force_login(alice)
    job_id = client.post(
        "/api/imports",
        {"kind": "people", "root": town.a1.pk, "file": _csv(f"1号楼,201,赵六,{idno(1970, 5)},户主")},
    ).json()["id"]
    from conftest import _user

    other = _user("otherofficial", "community_official", town.west)
    client.force_login(other)
    assert client.get(f"/api/imports/{job_id}").status_code == 404


def test_the_report_is_written_in_the_uploaders_language(client, alice, town, settings,
                                                          django_capture_on_commit_callbacks):
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = "1号楼,202,钱七,110105194912310021,户主"
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/api/imports", {"kind": "people", "root": town.a1.pk, "file": _csv(bad)})
    with translation.override("zh-hans"):  # the worker's own language
        for run in queued:
            run()
    job = client.get(f"/api/imports/{response.json()['id']}").json()
    assert "check digit" in job["errors"][0]["message"].lower() and "rows" in job["message"]
