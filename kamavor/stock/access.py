"""Access to stock documents and lots: one helper per object kind, 404 for what is not yours."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404

from kamavor.core import rows
from kamavor.core.numbers import MAX_ID
from kamavor.network.access import Action, may, organisations_for, role_at
from kamavor.network.models import Organisation, Point
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
        document_id = int(document_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if user.is_superuser or not user.is_authenticated:
        try:
            document = (
                documents_for(user)
                .select_related("point__organisation", "destination__organisation", "created_by")
                .get(pk=document_id)
            )
        except Document.DoesNotExist:
            raise Http404 from None
    else:
        document = _document_with_points(document_id)
        if document is None or not _visible(document, organisations_for(user)):
            raise Http404
    if not (
        may(user, document.organisation_id, action)
        or (document.destination and may(user, document.destination.organisation_id, action))
    ):
        raise PermissionDenied
    return document


def _visible(document: Document, organisations: list[int]) -> bool:
    """What documents_for lets a member see, for one document read already."""
    if document.organisation_id in organisations:
        return True
    destination = document.destination
    return (
        destination is not None
        and destination.organisation_id in organisations
        and document.status not in (Document.Status.DRAFT, Document.Status.CANCELLED)
    )


def _document_with_points(document_id: int) -> Document | None:
    """The document with its point, destination, their organisations and its author, as
    select_related reads them, in one hand-written SELECT (every transfer step reads its
    document: the ORM's compilation of this join cost more than the statement)."""
    if not 0 < document_id <= MAX_ID:
        return None
    user_model = get_user_model()
    sql = _DOCUMENT_SQL.get(connection.vendor)
    if sql is None:
        sql = _DOCUMENT_SQL[connection.vendor] = (
            f"SELECT {rows.columns(Document, 'd')}, {rows.columns(Point, 'p')}, "
            f"{rows.columns(Organisation, 'o')}, {rows.columns(Point, 'q')}, "
            f"{rows.columns(Organisation, 'r')}, {rows.columns(user_model, 'u')} "
            f"FROM {rows.table(Document)} d "
            f"JOIN {rows.table(Point)} p ON p.id = d.point_id "
            f"JOIN {rows.table(Organisation)} o ON o.id = p.organisation_id "
            f"LEFT JOIN {rows.table(Point)} q ON q.id = d.destination_id "
            f"LEFT JOIN {rows.table(Organisation)} r ON r.id = q.organisation_id "
            f"JOIN {rows.table(user_model)} u ON u.id = d.created_by_id "
            "WHERE d.id = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [document_id])
        row = cursor.fetchone()
    if row is None:
        return None
    at = rows.width(Document)
    document = rows.instance(Document, row)
    point = rows.instance(Point, row, at)
    at += rows.width(Point)
    rows.related(point, "organisation", rows.instance(Organisation, row, at))
    rows.related(document, "point", point)
    at += rows.width(Organisation)
    destination = None
    if document.destination_id is not None:
        destination = rows.instance(Point, row, at)
        organisation = rows.instance(Organisation, row, at + rows.width(Point))
        rows.related(destination, "organisation", organisation)
    rows.related(document, "destination", destination)
    at += rows.width(Point) + rows.width(Organisation)
    rows.related(document, "created_by", rows.instance(user_model, row, at))
    return document


_DOCUMENT_SQL: dict[str, str] = {}


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
