from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gridguard.people"
    label = "people"
    verbose_name = "台账"
