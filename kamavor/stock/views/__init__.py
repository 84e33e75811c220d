"""The stock desks: intake, stock, transfers, counts, kits and documents."""

from kamavor.stock.views.counts import count_new, count_post, counts
from kamavor.stock.views.documents import document_detail, reverse
from kamavor.stock.views.intake import intake, intake_add, intake_clear, intake_post, intake_remove
from kamavor.stock.views.kits import kit_build, kit_unbuild, kits
from kamavor.stock.views.stock import expiry, lot_history, organisation_stock, point_stock
from kamavor.stock.views.transfers import (
    transfer_add,
    transfer_cancel,
    transfer_clear,
    transfer_create,
    transfer_detail,
    transfer_new,
    transfer_receive,
    transfer_remove,
    transfer_send,
    transfers,
)

__all__ = [
    "count_new",
    "count_post",
    "counts",
    "document_detail",
    "expiry",
    "intake",
    "intake_add",
    "intake_clear",
    "intake_post",
    "intake_remove",
    "kit_build",
    "kit_unbuild",
    "kits",
    "lot_history",
    "organisation_stock",
    "point_stock",
    "reverse",
    "transfer_add",
    "transfer_cancel",
    "transfer_clear",
    "transfer_create",
    "transfer_detail",
    "transfer_new",
    "transfer_receive",
    "transfer_remove",
    "transfer_send",
    "transfers",
]
