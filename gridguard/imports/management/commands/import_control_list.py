from gridguard.control.list_import import control_list_import_file
from gridguard.imports.management.base import ImportCommand
from gridguard.imports.models import ImportJob


class Command(ImportCommand):
    help = (
        "导入协查名单（.xlsx/.csv），每行下达一条管控措施："
        "python manage.py import_control_list FILE [--root 节点] [--user 账号] [--good-rows-only]"
    )
    kind = ImportJob.Kind.CONTROL_LIST

    def run_service(self, **kwargs):  # type: ignore[no-untyped-def]
        return control_list_import_file(**kwargs)
