"""Who may see which deliveries and distributions: one helper per object kind, 404 otherwise.

The desks (volunteers, coordinators) see their organisation's deliveries; a partner sees only
the deliveries to its organisation's shelters, once they are sent.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from kamavor.core.numbers import MAX_ID
from kamavor.network.access import ROLE_ACTIONS, Action
from kamavor.network.models import Member
from kamavor.stock.models import Document

Status = Document.Status


def deliveries_for(user) -> QuerySet[Document]:
    deliveries = Document.objects.filter(kind=Document.Kind.DELIVERY)
    if not user.is_authenticated:
        return deliveries.none()
    if user.is_superuser:
        return deliveries
    seen = Q(pk__in=[])
    for organisation_id, role in Member.objects.filter(user=user).values_list(
        "organisation_id", "role"
    ):
        actions = ROLE_ACTIONS.get(role, frozenset())
        if Action.VIEW_STOCK in actions:
            seen |= Q(organisation_id=organisation_id)
        elif Action.CONFIRM_DELIVERY in actions:
            seen |= Q(destination__organisation_id=organisation_id) & ~Q(
                status__in=[Status.DRAFT, Status.CANCELLED]
            )
    return deliveries.filter(seen)


def with_details(deliveries: QuerySet[Document]) -> QuerySet[Document]:
    return deliveries.select_related(
        "point__organisation", "destination__organisation", "request", "created_by", "received_by"
    )


def get_delivery_for(user, delivery_id) -> Document:
    """The delivery, if the user may see it (else 404)."""
    try:
        if not 0 < int(delivery_id) <= MAX_ID:
            raise Http404
        return with_details(deliveries_for(user)).get(pk=int(delivery_id))
    except (Document.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
