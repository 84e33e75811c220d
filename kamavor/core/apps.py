from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kamavor.core"
    label = "core"

    def ready(self) -> None:
        from kamavor.core import checks  # noqa: F401 (registers the checks)
