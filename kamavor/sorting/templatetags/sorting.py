"""The sorting queue as a block other pages may show (the stock page shows the backlog)."""

from __future__ import annotations

import uuid

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from kamavor.sorting.reads import backlog_at

register = template.Library()


@register.inclusion_tag("sorting/_backlog.html")
def sorting_backlog(point) -> dict:
    """The point's bags waiting to be sorted, by kind and age (one query); nothing when none
    wait."""
    return {"queue": backlog_at(point), "point": point, "hide_empty": True}


@register.inclusion_tag("sorting/_box_scan.html")
def hand_out_box(point, household) -> dict:
    """The distribution desk's box scan: a code box that hands a whole container to the
    household, with a fresh idempotency key for this form (a second press answers the first)."""
    return {
        "action": reverse("sorting:hand_out", args=[point.pk, household.code]),
        "form_id": "hand-out-box",
        "label": _("Or scan a box label: hand out everything in it"),
        "button": _("Hand out the box"),
        "key": uuid.uuid4().hex,
    }


@register.inclusion_tag("sorting/_box_scan.html")
def kit_box(point, kits) -> dict:
    """The kit desk's box scan: a box of components becomes as many kits as it makes."""
    return {
        "action": reverse("sorting:kit_box", args=[point.pk]),
        "form_id": "kit-box",
        "kits": [kit for kit in kits if kit.parts],
        "label": _("Or scan a box of components: build every kit it makes"),
        "button": _("Build from the box"),
        "key": uuid.uuid4().hex,
    }


@register.inclusion_tag("sorting/_box_scan.html")
def deliver_box(point, shelter_request) -> dict:
    """A shelter request's box scan: the box's whole contents become the delivery."""
    return {
        "action": reverse("sorting:deliver_box", args=[point.pk, shelter_request.pk]),
        "form_id": "deliver-box",
        "label": _("Or scan a box label: deliver everything in it"),
        "button": _("Pack the box"),
        "key": uuid.uuid4().hex,
    }
