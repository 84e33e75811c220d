from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SortingConfig(AppConfig):
    name = "kamavor.sorting"
    label = "sorting"
    verbose_name = _("sorting")
