from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kamavor.demo"
    label = "demo"
    verbose_name = "Demo network"
