"""`{% may point "action" as allowed %}`: whether the signed-in member may do an action at a
point, so that a page shows only the links its reader may follow."""

from __future__ import annotations

from django import template

from kamavor.network.access import Action
from kamavor.network.access import may as _may

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, point, action: str) -> bool:
    request = context.get("request")
    if request is None or point is None:
        return False
    return _may(request.user, point.organisation_id, Action(action))
