from gridguard.control.list_import import KIND
from gridguard.imports.management.base import ImportCommand


class Command(ImportCommand):
    help = (
        "导入协查名单（.xlsx/.csv），每行下达一条管控措施："
        "python manage.py import_control_list FILE [--root 节点] [--user 账号] [--good-rows-only]"
    )
    kind = KIND
