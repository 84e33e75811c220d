from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "kamavor.households"
    label = "households"
    verbose_name = _("households")

    def ready(self) -> None:
        """Hand the households' personal data to privacy's retention and key rotation."""
        from kamavor.households.services import erase_inactive, rotate_encryption_keys
        from kamavor.privacy.registry import Keeper, register

        register(
            Keeper(
                name="households",
                erase=erase_inactive,
                rotate=rotate_encryption_keys,
                erased="Erased the personal data of {count} household(s) inactive for {days} days.",
                rotated="Re-sealed the personal data of {count} household(s).",
            )
        )
