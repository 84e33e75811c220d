"""The dashboard's charts: each an SVG picture, the same numbers as a table, and a download.

A `Chart` holds a table (columns and rows, as for any export) and the SVG drawn from it, so the
picture, the table beside it and the downloaded file can never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kamavor.lib import charts
from kamavor.reports.dashboard import Dashboard
from kamavor.reports.exports import Column, Table


@dataclass
class Chart:
    ident: str
    title: str
    svg: str
    table: Table
    rows: list[tuple]

    @property
    def labels(self) -> list[str]:
        return self.table.labels

    @property
    def shown(self) -> list[tuple]:
        """The rows as the table beside the chart shows them (days written short)."""
        return [
            (_day(row[0]), *row[1:]) if isinstance(row[0], dt.date) else row for row in self.rows
        ]

    @property
    def body(self) -> SafeString:
        """The table's rows as HTML, each value localised and escaped as a template writes it
        (a 90-day chart has hundreds of cells: a template loop was most of a drawing's time)."""
        html = []
        for head, *values in self.shown:
            cells = "".join(f'<td class="num">{_text(v)}</td>' for v in values)
            html.append(f'<tr><th scope="row">{_text(head)}</th>{cells}</tr>')
        return mark_safe("".join(html))  # every value escaped by _text


def _text(value) -> str:
    return conditional_escape(localize(value))


def _day(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def charts_for(board: Dashboard) -> list[Chart]:
    """The charts of a dashboard, in the order the page shows them."""
    result = []
    stem = f"{board.scope.slug}-{board.days}d"

    def add(ident: str, title: str, svg: str, columns: list[Column], rows: list[tuple]):
        table = Table(f"{stem}-{ident}", columns, rows)
        result.append(Chart(ident, title, svg, table, rows))

    rows = list(board.by_category)
    title = _("Stock on hand by category")
    add("stock", title,
        charts.bars(rows, title=title, ident="stock",
                    description=_("%(units)d units on hand.") % {"units": board.on_hand}),
        [Column("category", _("Category")), Column("units", _("Units on hand"))], rows)  # fmt: skip
    days = [_day(f.day) for f in board.flows]
    iso = [f.day for f in board.flows]
    title = _("Stock on hand, end of each day")
    rows = [(day, f.on_hand) for day, f in zip(iso, board.flows, strict=True)]
    add("trend", title,
        charts.line(days, [f.on_hand for f in board.flows], title=title, ident="trend",
                    description=_("From %(first)s to %(last)s.") % {
                        "first": days[0] if days else "", "last": days[-1] if days else ""}),
        [Column("day", _("Day")), Column("on_hand", _("Units on hand"))], rows)  # fmt: skip
    title = _("Intake and outflow per day")
    rows = [(day, f.intake, f.outflow, f.transfers_in, f.transfers_out)
            for day, f in zip(iso, board.flows, strict=True)]  # fmt: skip
    add("flow", title,
        charts.columns(days, [(_("Intake"), [f.intake for f in board.flows]),
                              (_("Outflow"), [f.outflow for f in board.flows])],
                       title=title, ident="flow",
                       description=_("%(intake)d units in, %(outflow)d units out.") % {
                           "intake": board.intake, "outflow": board.outflow}),
        [Column("day", _("Day")), Column("intake", _("Intake (donations, purchases)")),
         Column("outflow", _("Outflow (hand-outs, disposals)")),
         Column("transfers_in", _("Transfers in")),
         Column("transfers_out", _("Transfers out"))], rows)  # fmt: skip
    title = _("Households served")
    rows = [(_("New"), board.served_new), (_("Returning"), board.served_returning)]
    add("households", title,
        charts.bars(rows, title=title, ident="households",
                    description=_("%(n)d households served.") % {"n": board.served}),
        [Column("group", _("Households")), Column("count", _("Count"))], rows)  # fmt: skip
    title = _("Open requests by urgency")
    rows = list(board.requests_by_urgency)
    add("requests", title,
        charts.bars(rows, title=title, ident="requests",
                    description=_("%(n)d open requests.") % {"n": board.requests_open}),
        [Column("urgency", _("Urgency")), Column("requests", _("Open requests"))],
        rows)  # fmt: skip
    title = _("Volunteer hours per day")
    rows = [(day, f.hours) for day, f in zip(iso, board.flows, strict=True)]
    add("hours", title,
        charts.columns(days, [(_("Hours"), [round(f.hours) for f in board.flows])],
                       title=title, ident="hours",
                       description=_("%(hours)s hours in all.") % {"hours": board.hours}),
        [Column("day", _("Day")), Column("hours", _("Hours"))], rows)  # fmt: skip
    if board.sorting:
        title = _("Sorting backlog: bags waiting by kind")
        rows = [(b.label, b.bags, b.drop_offs, *b.by_age, b.oldest_days) for b in board.backlog]
        add("backlog", title,
            charts.bars([(b.label, b.bags) for b in board.backlog], title=title, ident="backlog",
                        description=_("%(n)d bags waiting to be sorted.") % {
                            "n": board.backlog_bags}),
            [Column("kind", _("Kind")), Column("bags", _("Bags waiting")),
             Column("drop_offs", _("Drop-offs")),
             Column("bags_under_1_day", _("Bags waiting under a day")),
             Column("bags_1_to_3_days", _("Bags waiting 1 to 3 days")),
             Column("bags_3_to_7_days", _("Bags waiting 3 to 7 days")),
             Column("bags_over_7_days", _("Bags waiting over 7 days")),
             Column("oldest_days", _("Oldest, days waiting"))], rows)  # fmt: skip
    return result
