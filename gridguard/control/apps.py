from django.apps import AppConfig


class ControlConfig(AppConfig):
    name = "gridguard.control"
    label = "control"
    verbose_name = "重点人员管控"

    def ready(self) -> None:
        from gridguard.control import plug  # noqa: F401 - registers what control contributes (its import kind)
