from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kamavor.core"
    label = "core"
