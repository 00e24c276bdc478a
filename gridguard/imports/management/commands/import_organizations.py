from gridguard.imports.management.base import ImportCommand
from gridguard.imports.models import ImportJob


class Command(ImportCommand):
    help = "导入单位/场所（.xlsx/.csv）：python manage.py import_organizations FILE [--root 节点] [--user 账号]"
    kind = ImportJob.Kind.ORGANIZATIONS

