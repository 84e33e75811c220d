from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SheltersConfig(AppConfig):
    name = "kamavor.shelters"
    label = "shelters"
    verbose_name = _("shelters")

    def ready(self) -> None:
        # One owner for "where it stays": once a household is placed, the households' edit
        # form may not change its shelter behind the placement's back.
        from kamavor.households import services as households
        from kamavor.shelters.models import Placement

        def is_placed(household) -> bool:
            return Placement.objects.current().filter(household_id=household.pk).exists()

        households.is_placed = is_placed
        # A shelter chosen at registration (or in a correction) is a check-in, not a label.
        from kamavor.shelters.services import place_on_registration

        households.place_in_shelter = place_on_registration
