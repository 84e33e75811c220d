from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "kamavor.distribution"
    label = "distribution"
    verbose_name = _("distribution")

    def ready(self) -> None:
        from kamavor.distribution.fulfilment import uncount_reversed
        from kamavor.stock.models import Document
        from kamavor.stock.services.reversal import on_reverse

        # Reversing a hand-out or a delivery takes back what it counted against requests.
        on_reverse(Document.Kind.DISTRIBUTION, uncount_reversed)
        on_reverse(Document.Kind.DELIVERY, uncount_reversed)
