from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "gridguard.grids"
    label = "grids"
    verbose_name = "网格"
