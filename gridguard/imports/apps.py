from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "gridguard.imports"
    label = "imports"
    verbose_name = "导入导出"

    def ready(self) -> None:
        from gridguard.imports import plug  # noqa: F401 - registers imports' own import kinds
