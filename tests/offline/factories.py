"""Standards for the offline tests: what a household is due decides the desk's lines."""

from __future__ import annotations

from kamavor.catalogue.models import Item
from kamavor.needs.models import Standard


def soap_rule(quantity: int = 1) -> Standard:
    """Soap per person every 30 days (the only active standard)."""
    Standard.objects.update(active=False)
    return Standard.objects.create(
        code="soap-offline-test",
        item=Item.objects.get(code="soap-bar"),
        quantity=quantity,
        period_days=30,
        per="person",
        eligibility="all",
    )
