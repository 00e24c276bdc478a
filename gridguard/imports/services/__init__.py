"""Import services: one function per ledger that the worker task, the command, the view, the API and
the benchmark all call. See people.py for the shape of an import."""

from gridguard.imports.rows import validate_household_cells, validate_person_row
from gridguard.imports.services.common import ImportResult, RowError
from gridguard.imports.services.jobs import (
    check_upload,
    import_job_create,
    import_job_run,
    store_upload,
)
from gridguard.imports.services.organizations import organizations_import_file, validate_organization_row
from gridguard.imports.services.people import people_import_file
from gridguard.imports.services.tree import tree_import_file

__all__ = [
    "ImportResult",
    "RowError",
    "check_upload",
    "import_job_create",
    "import_job_run",
    "organizations_import_file",
    "people_import_file",
    "store_upload",
    "tree_import_file",
    "validate_household_cells",
    "validate_organization_row",
    "validate_person_row",
]
