from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MoneyConfig(AppConfig):
    name = "kamavor.money"
    label = "money"
    verbose_name = _("money")

    def ready(self) -> None:
        from kamavor.money.purchases import restore_fund
        from kamavor.stock.models import Document
        from kamavor.stock.services.reversal import on_reverse

        # Reversing a purchase paid from a fund gives the fund its money back, in the same
        # transaction as the stock reversal.
        on_reverse(Document.Kind.PURCHASE, restore_fund)
