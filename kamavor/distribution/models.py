"""Which hand-out or delivery met which request: the link between the ledger and the needs."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kamavor.needs.models import RequestLine
from kamavor.stock.models import DocumentLine


class Fulfilment(models.Model):
    """Units of a document line counted against a request line.

    A distribution counts them when it is posted. A delivery links its lines when it is packed
    (quantity 0) and counts what the partner confirms had arrived.
    """

    line = models.ForeignKey(DocumentLine, on_delete=models.PROTECT, related_name="fulfilments")
    request_line = models.ForeignKey(
        RequestLine, on_delete=models.PROTECT, related_name="fulfilments"
    )
    quantity = models.PositiveIntegerField(_("counted against the request"), default=0)

    class Meta:
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")
        constraints = [
            models.UniqueConstraint(
                fields=["line", "request_line"], name="fulfilment_line_request_line"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="fulfilment_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} → {self.request_line_id}"
