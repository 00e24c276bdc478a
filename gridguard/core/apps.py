from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gridguard.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from gridguard.core import plug

        plug.autodiscover()  # every app's plug.py: its rights, demo step, person-page section
