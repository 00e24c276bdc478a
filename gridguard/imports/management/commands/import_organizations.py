from gridguard.imports.management.base import ImportCommand
from gridguard.imports.models import ImportJob
from gridguard.imports.services import organizations_import_file


class Command(ImportCommand):
    help = "导入单位/场所（.xlsx/.csv）：python manage.py import_organizations FILE [--root 节点] [--user 账号]"
    kind = ImportJob.Kind.ORGANIZATIONS

    def run_service(self, **kwargs):  # type: ignore[no-untyped-def]
        return organizations_import_file(**kwargs)
