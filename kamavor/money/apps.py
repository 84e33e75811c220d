from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MoneyConfig(AppConfig):
    name = "kamavor.money"
    label = "money"
    verbose_name = _("money")

    def ready(self) -> None:
        from kamavor.money.donors import erase_old_donors, rotate_donor_keys
        from kamavor.money.purchases import restore_fund
        from kamavor.privacy.registry import Keeper, register
        from kamavor.stock.models import Document
        from kamavor.stock.services.reversal import on_reverse

        # Reversing a purchase paid from a fund gives the fund its money back, in the same
        # transaction as the stock reversal.
        on_reverse(Document.Kind.PURCHASE, restore_fund)
        register(
            Keeper(
                name="money",
                erase=erase_old_donors,
                rotate=rotate_donor_keys,
                erased="Erased the names of donors who gave more than {days} days ago ({count}).",
                rotated="Re-sealed the names of {count} donor(s).",
            )
        )
