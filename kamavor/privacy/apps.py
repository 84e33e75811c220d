from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Sealing, keyed digests, the audit log, retention and key rotation of personal data.

    It sits below every app that holds personal data: households and volunteers import from it
    and register their retention and rotation here (`kamavor.privacy.registry`); it imports
    neither of them.
    """

    name = "kamavor.privacy"
    label = "privacy"
    verbose_name = _("privacy")
