"""Import kinds are registered by the apps; imports knows none by name (issue 9, point 26)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gridguard.imports import kinds
from gridguard.imports.columns import Column
from gridguard.imports.kinds import ImportKind, Template, kind_get
from gridguard.imports.models import ImportJob
from gridguard.imports.services import import_job_run
from gridguard.imports.services.common import ImportResult, job_finish, read_rows

IMPORTS = Path(__file__).resolve().parents[1]

LAB_COLUMNS = [Column("tube_code", "管码", ("采样管编号",), required=True), Column("result", "结果")]


def lab_import(*, actor, root, path, good_rows_only=False, job=None):
    """A stand-in for mass screening's lab results import: counts its rows."""
    read = read_rows(job, "lab_results", path, LAB_COLUMNS, ("tube_code",))
    if isinstance(read, ImportResult):
        return read
    read.result.imported_rows = read.result.total_rows
    read.result.message = f"已导入 {read.result.total_rows} 管"
    job_finish(job, read.result)
    return read.result


@pytest.fixture
def lab_kind(monkeypatch):
    kind = ImportKind(
        code="lab_results", label="检测结果", run=lab_import, order=50,
        template=lambda: Template("检测结果导入模板", LAB_COLUMNS, ["T0001", "阴性"], ("每行一管。",)),
        refusal=lambda scope: "" if scope.has("control.order") else "您的角色不能录入检测结果",
    )
    monkeypatch.setitem(kinds._KINDS, kind.code, kind)
    return kind


def module_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def sources(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.py") if "tests" not in p.parts]


def test_imports_does_not_import_control():
    offenders = [str(p) for p in sources(IMPORTS) if any(n.startswith("gridguard.control") for n in module_imports(p))]
    assert offenders == []
    assert not any("gridguard.control" in p.read_text(encoding="utf-8") for p in sources(IMPORTS))


def test_the_services_do_not_import_the_tasks():
    offenders = [str(p) for p in sources(IMPORTS / "services") if "gridguard.imports.tasks" in module_imports(p)]
    assert offenders == []
    assert "gridguard.imports.services.jobs" in module_imports(IMPORTS / "tasks.py")


def test_the_installed_apps_register_their_kinds():
    assert [k.code for k in kinds.all_kinds()][:4] == ["people", "organizations", "tree", "control_list"]
    assert kind_get("control_list").label == "协查名单（重点人员）"


def test_a_new_kind_is_offered_run_and_given_a_template_without_touching_imports(
    client, alice, bob, town, lab_kind, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    page = client.get(reverse("imports:list")).content.decode()
    assert 'value="lab_results"' in page and "检测结果" in page
    template = client.get(reverse("imports:template", args=["lab_results"]))
    assert template.status_code == 200
    rows = CalamineWorkbook.from_filelike(__import__("io").BytesIO(template.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["管码", "结果"]
    data = {"kind": "lab_results", "root": town.east.pk,
            "file": SimpleUploadedFile("结果.csv", "管码,结果\nT1,阴性\nT2,阳性\n".encode())}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:list"), data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.kind == "lab_results"
    assert job.status == "done" and job.imported_rows == 2 and job.kind_label == "检测结果"
    assert "导入检测结果" in client.get(reverse("imports:detail", args=[job.pk])).content.decode()

    client.force_login(bob)  # a grid worker may not: the kind's own right
    assert 'value="lab_results"' not in client.get(reverse("imports:list")).content.decode()


def test_an_unknown_kind_is_refused_in_words(client, alice, town):
    client.force_login(alice)
    upload = SimpleUploadedFile("a.csv", b"x\n1\n")
    response = client.post("/api/imports", {"kind": "lab_results", "root": town.a1.pk, "file": upload})
    assert response.status_code == 400 and response.json()["code"] == "kind_invalid"
    assert ImportJob.objects.count() == 0


def test_a_job_whose_kind_is_gone_fails_with_a_reason(town, alice, tmp_path):
    job = ImportJob.objects.create(kind="lab_results", filename="a.csv", stored_path=str(tmp_path / "a.csv"),
                                   root=town.east, created_by=alice)
    assert import_job_run(job) is None
    job.refresh_from_db()
    assert job.status == "failed" and job.message == "导入类型“lab_results”已不可用，无法处理"
