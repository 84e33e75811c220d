"""The stock desks: intake, stock, transfers, counts, kits and documents."""

from kamavor.stock.views.documents import document_detail, reverse
from kamavor.stock.views.intake import intake, intake_add, intake_clear, intake_post, intake_remove
from kamavor.stock.views.stock import expiry, lot_history, organisation_stock, point_stock

__all__ = [
    "document_detail",
    "expiry",
    "intake",
    "intake_add",
    "intake_clear",
    "intake_post",
    "intake_remove",
    "lot_history",
    "organisation_stock",
    "point_stock",
    "reverse",
]
