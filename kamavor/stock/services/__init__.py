"""Every change of stock: each service posts one document in one transaction, idempotently.

Views, API endpoints and commands parse input, call one of these, and show the result.
"""

from kamavor.stock.services._common import (
    CountLine,
    IntakeLine,
    LotLine,
    check_intake_line,
    check_quantity,
)
from kamavor.stock.services.containers import (
    container_lines,
    contents,
    create_container,
    pack,
    unpack,
)
from kamavor.stock.services.corrections import dispose, post_adjustment, post_count
from kamavor.stock.services.intake import post_donation, post_purchase
from kamavor.stock.services.kits import build_kit, suggest_picks, unbuild_kit
from kamavor.stock.services.reads import stock_by_item
from kamavor.stock.services.reversal import can_reverse, reverse_document
from kamavor.stock.services.sorted import check_set_aside_line, post_sorted_donation
from kamavor.stock.services.transfers import (
    cancel_transfer,
    create_transfer,
    receive_transfer,
    send_transfer,
)

__all__ = [
    "CountLine",
    "IntakeLine",
    "LotLine",
    "build_kit",
    "can_reverse",
    "cancel_transfer",
    "check_intake_line",
    "check_quantity",
    "check_set_aside_line",
    "container_lines",
    "contents",
    "create_container",
    "create_transfer",
    "dispose",
    "pack",
    "post_adjustment",
    "post_count",
    "post_donation",
    "post_purchase",
    "post_sorted_donation",
    "receive_transfer",
    "reverse_document",
    "send_transfer",
    "stock_by_item",
    "suggest_picks",
    "unbuild_kit",
    "unpack",
]
