from gridguard.imports.management.base import ImportCommand
from gridguard.imports.models import ImportJob


class Command(ImportCommand):
    help = "导入网格结构（每行一个地址：社区/村、网格、微网格、小区/自然村、楼栋、单元）：python manage.py import_tree FILE --root 节点"
    kind = ImportJob.Kind.TREE

