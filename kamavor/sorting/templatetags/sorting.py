"""The sorting queue as a block other pages may show (the stock page shows the backlog)."""

from __future__ import annotations

from django import template

from kamavor.sorting.reads import backlog_at

register = template.Library()


@register.inclusion_tag("sorting/_backlog.html")
def sorting_backlog(point) -> dict:
    """The point's bags waiting to be sorted, by kind and age (one query); nothing when none
    wait."""
    return {"queue": backlog_at(point), "point": point, "hide_empty": True}
