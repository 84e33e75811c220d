"""Access to drop-offs: one helper, 404 for what is not the member's organisation's."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.lib import tag_codes
from kamavor.network.access import Action, may, role_at
from kamavor.sorting.models import Bag, DropOff
from kamavor.stock.models import Container


def get_drop_off_for(user, drop_off_id, action: Action = Action.INTAKE) -> DropOff:
    """The drop-off, if the member may see its point (else 404) and do `action` there (else 403)."""
    try:
        drop_off = DropOff.objects.select_related("point__organisation").get(pk=int(drop_off_id))
    except (DropOff.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    return _allowed(user, drop_off, action)


def find_bag_for(user, code: str, action: Action = Action.INTAKE) -> Bag:
    """The bag with this code (as typed or scanned), on the same terms as its drop-off."""
    code = tag_codes.normalise(code)
    if not tag_codes.is_valid(code, tag_codes.BAG_LENGTH):
        raise Http404
    bag = Bag.objects.select_related("drop_off__point__organisation").filter(code=code).first()
    if bag is None:
        raise Http404
    _allowed(user, bag.drop_off, action)
    return bag


def _allowed(user, drop_off: DropOff, action: Action) -> DropOff:
    organisation_id = drop_off.point.organisation_id
    if role_at(user, organisation_id) is None:
        raise Http404
    if not may(user, organisation_id, action):
        raise PermissionDenied
    return drop_off


def get_container_for(user, container_id, action: Action = Action.VIEW_STOCK) -> Container:
    """The container, if the member may see the point where it is (else 404) and do `action`
    there (else 403)."""
    try:
        container = Container.objects.select_related("point__organisation").get(
            pk=int(container_id)
        )
    except (Container.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    return _at_point(user, container.point.organisation_id, action, container)


def find_container_for(user, code: str, action: Action = Action.VIEW_STOCK) -> Container:
    """The container with this code (as typed or scanned), on the same terms."""
    code = tag_codes.normalise(code)
    if not tag_codes.is_valid(code, tag_codes.CONTAINER_LENGTH):
        raise Http404
    container = Container.objects.select_related("point__organisation").filter(code=code).first()
    if container is None:
        raise Http404
    return _at_point(user, container.point.organisation_id, action, container)


def _at_point(user, organisation_id: int, action: Action, found):
    if role_at(user, organisation_id) is None:
        raise Http404
    if not may(user, organisation_id, action):
        raise PermissionDenied
    return found
