from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kikin.core"
    verbose_name = "kikin"
