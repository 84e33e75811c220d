"""`{% offline_layer "intake" point %}`: the offline layer of a desk page (status, outbox, the
offline form), with every message it may show translated into the page's language."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from kamavor.households.models import COMPOSITION_FIELDS

register = template.Library()


def strings() -> dict[str, str]:
    """What offline.js shows, in the page's language ({n}, {what}… are filled in by the script)."""
    return {
        "offline": _("Offline — {n} waiting"),
        "online": _("Online — {n} waiting"),
        "sending": _("Sending — {n} waiting"),
        "all_sent": _("Everything is sent."),
        "login": _("Log in again to send what is waiting."),
        "server": _("The server did not answer; trying again soon."),
        "sent": _("sent: {number}"),
        "held": _("needs a decision: {message}"),
        "decided_posted": _("decided: posted {number}"),
        "decided_reversed": _("decided: reversed and posted {number}"),
        "decided_dropped": _("decided: dropped: {reason}"),
        "waiting": _("waiting"),
        "saved": _("Saved on this device: it is sent as soon as the connection returns."),
        "donation": _("Donation, {units} units"),
        "distribution": _("Hand-out to {code}, {units} units"),
        "household": _("Household registration"),
        "choose_item": _("Choose an item from the list."),
        "quantity": _("Type a quantity of at least 1."),
        "no_lines": _("Add at least one line."),
        "unknown_household": _(
            "No household has this code in the list this device kept (synced {when})."
        ),
        "merged": _("This household was merged into {code}: serve {code}."),
        "closed": _("This household is closed: it cannot be served."),
        "dues": _("Due as of the last sync: the lines below. Change what the family takes."),
        "nothing_due": _("Nothing is due as of the last sync."),
        "synced": _("Lists for offline use synced {when}."),
        "never": _("never"),
        "remove": _("Remove"),
        "no_personal": _(
            "Personal data is not kept on this device: register without it now and add it "
            "online later."
        ),
        "registration": _("Household registration, {n} people"),
        "drop_off": _("Drop-off, {n} bags"),
        "sorting_line": _("Sorted: {what} × {units}"),
    }


@register.inclusion_tag("offline/_layer.html", takes_context=True)
def offline_layer(context, desk: str, point=None, drop_off=None) -> dict:
    request = context["request"]
    return {
        "desk": desk,
        "point": point,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
        "strings": strings(),
        "config": {
            "desk": desk,
            "point": point.pk if point is not None else None,
            "drop_off": drop_off.pk if drop_off is not None else None,
            "user": request.user.pk,
            "outbox": reverse("offline:outbox"),
            "feeds": reverse("offline:changes", args=[point.pk, "FEED"]) if point else "",
            "sw": reverse("offline:service_worker"),
            "scope": "/desk/",
            "script": static("offline/offline.js"),
            "composition": COMPOSITION_FIELDS,
        },
    }
