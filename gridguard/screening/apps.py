from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "gridguard.screening"
    label = "screening"
    verbose_name = "全员核酸检测"
