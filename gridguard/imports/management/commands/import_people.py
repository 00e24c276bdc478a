from gridguard.imports.management.base import ImportCommand
from gridguard.imports.models import ImportJob


class Command(ImportCommand):
    help = "导入户与人员（.xlsx/.csv）：python manage.py import_people FILE [--root 节点] [--good-rows-only] [--user 账号]"
    kind = ImportJob.Kind.PEOPLE

