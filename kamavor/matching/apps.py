from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """Probable duplicate households, found on keyed digests only.

    It sits below households: households files each registration's digests here and asks it
    for candidates; this app points at households by lazy references and imports nothing of
    them (as privacy does).
    """

    name = "kamavor.matching"
    label = "matching"
    verbose_name = _("duplicate matching")
