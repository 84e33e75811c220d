"""Access to stock documents and lots: one helper per object kind, 404 for what is not yours."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from kamavor.network.access import Action, may, organisations_for, role_at
from kamavor.stock.models import Document, Lot


def documents_for(user):
    """Documents of the user's organisations, and transfers coming to their points."""
    orgs = organisations_for(user)
    # A transfer is the destination's business once it is sent, not while it is a draft.
    incoming = Q(destination__organisation_id__in=orgs) & ~Q(
        status__in=[Document.Status.DRAFT, Document.Status.CANCELLED]
    )
    return Document.objects.filter(Q(organisation_id__in=orgs) | incoming)


def get_document_for(user, document_id, action: Action = Action.VIEW_STOCK) -> Document:
    try:
        document = (
            documents_for(user)
            .select_related("point__organisation", "destination__organisation", "created_by")
            .get(pk=int(document_id))
        )
    except (Document.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if not (
        may(user, document.organisation_id, action)
        or (document.destination and may(user, document.destination.organisation_id, action))
    ):
        raise PermissionDenied
    return document


def get_lot_for(user, lot_id, point=None) -> Lot:
    """A lot at one of the user's points (and at `point`, when given)."""
    try:
        lot = Lot.objects.with_details().get(pk=int(lot_id))
    except (Lot.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if role_at(user, lot.point.organisation_id) is None:
        raise Http404
    if point is not None and lot.point_id != point.pk:
        raise Http404
    if not may(user, lot.point.organisation_id, Action.VIEW_STOCK):
        raise PermissionDenied
    return lot
