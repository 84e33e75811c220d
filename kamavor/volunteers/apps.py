from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "kamavor.volunteers"
    label = "volunteers"
    verbose_name = _("volunteers")

    def ready(self) -> None:
        """Hand the volunteers' contact data to privacy's retention and key rotation."""
        from kamavor.privacy.registry import Keeper, register
        from kamavor.volunteers.services import erase_old_contacts, rotate_contact_keys

        register(
            Keeper(
                name="volunteers",
                erase=erase_old_contacts,
                rotate=rotate_contact_keys,
                erased=(
                    "Erased the contact data of {count} volunteer(s) with no shift for {days} days."
                ),
                rotated="Re-sealed the contact data of {count} volunteer(s).",
            )
        )
