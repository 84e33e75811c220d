from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SheltersConfig(AppConfig):
    name = "kamavor.shelters"
    label = "shelters"
    verbose_name = _("shelters")
