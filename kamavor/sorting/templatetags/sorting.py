"""The sorting queue as a block other pages may show (the stock page shows the backlog)."""

from __future__ import annotations

import uuid

from django import template

from kamavor.sorting.reads import backlog_at

register = template.Library()


@register.inclusion_tag("sorting/_backlog.html")
def sorting_backlog(point) -> dict:
    """The point's bags waiting to be sorted, by kind and age (one query); nothing when none
    wait."""
    return {"queue": backlog_at(point), "point": point, "hide_empty": True}


@register.inclusion_tag("sorting/_hand_out_box.html")
def hand_out_box(point, household) -> dict:
    """The distribution desk's box scan: a code box that hands a whole container to the
    household, with a fresh idempotency key for this form (a second press answers the first)."""
    return {"point": point, "household": household, "key": uuid.uuid4().hex}
