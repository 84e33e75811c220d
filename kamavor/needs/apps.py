from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "kamavor.needs"
    label = "needs"
    verbose_name = _("needs")

    def ready(self) -> None:
        # The entitlement totals follow every change of the households' compositions.
        from kamavor.households.services import on_composition_change
        from kamavor.needs.totals import count_changes

        on_composition_change(count_changes)
