"""Who may read and change the catalogue, which the whole network shares.

Members who may see stock (volunteers and up) read it; those who may manage the catalogue in
any of their organisations (coordinators, admins) change it. Anyone else is told nothing (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.catalogue.models import Item
from kamavor.network.access import Action, may, organisations_for


def may_read_catalogue(user) -> bool:
    return any(may(user, org, Action.VIEW_STOCK) for org in organisations_for(user))


def may_manage_catalogue(user) -> bool:
    return any(may(user, org, Action.MANAGE_CATALOGUE) for org in organisations_for(user))


def check_catalogue(user, *, write: bool = False) -> None:
    """404 for those who may not read the catalogue, 403 for readers asking to change it."""
    if not may_read_catalogue(user):
        raise Http404
    if write and not may_manage_catalogue(user):
        raise PermissionDenied


def get_item_for(user, item_id, *, write: bool = False) -> Item:
    """The item with its category, if the user may read (or, with `write`, change) it."""
    check_catalogue(user, write=write)
    try:
        return Item.objects.select_related("category").get(pk=int(item_id))
    except (Item.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
