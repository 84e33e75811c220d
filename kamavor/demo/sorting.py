"""Demo drop-offs: a sorting queue at the coworking collection point, one drop-off sorted and
closed by two sittings, its goods packed into a box. Posted through the sorting services."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from kamavor.catalogue.models import Item
from kamavor.network.models import Point
from kamavor.sorting import services
from kamavor.sorting.models import DropOff
from kamavor.stock.models import Document, Lot, Movement
from kamavor.stock.services import IntakeLine

# Kind, bags, weight and days waiting (the dashboards show the backlog by age).
QUEUE = [
    ("clothing", 4, "12.5", 9),
    ("food", 2, "", 0),
    ("mixed", 3, "", 2),
    ("hygiene", 1, "", 5),
    ("clothing", 6, "", 4),
]


def build_sorting(*, volunteer, coordinator, rng: random.Random) -> int:
    """The coworking point's queue and one sorted, boxed drop-off; the drop-offs made."""
    point = Point.objects.filter(slug="coworking").first()
    if point is None or DropOff.objects.filter(point=point).exists():
        return 0
    for kind, bags, weight, waiting in QUEUE:
        queued = services.record_drop_off(
            point=point, bags=bags, kind=kind, weight_kg=weight, by=volunteer
        )
        DropOff.objects.filter(pk=queued.pk).update(
            created_at=timezone.now() - dt.timedelta(days=waiting, hours=rng.randint(0, 8))
        )
    drop_off = services.record_drop_off(
        point=point, bags=2, kind="mixed", donor="Ararat church group", by=volunteer
    )
    items = list(
        Item.objects.active().filter(is_kit=False, tracks_size=False).order_by("code")[:60]
    )
    later = timezone.localdate() + dt.timedelta(days=300)
    for by in (volunteer, coordinator):
        for item in rng.sample(items, 4):
            line = IntakeLine(item, rng.randint(1, 8), later if item.tracks_expiry else None)
            services.add_sorting_line(drop_off=drop_off, line=line, by=by)
    waste = IntakeLine(items[0], 1, dt.date(2023, 1, 31) if items[0].tracks_expiry else None)
    services.add_sorting_line(drop_off=drop_off, line=waste, set_aside="damaged", by=volunteer)
    before = Document.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    closed = services.close_drop_off(drop_off=drop_off, by=coordinator)
    services.pack_drop_off(drop_off=closed, by=volunteer)
    # Stamped with the demo's clock, as every other demo posting is (the database's defaults
    # would follow the wall clock, which a demo built "as of" another moment does not).
    now = timezone.now()
    Document.objects.filter(pk__gt=before).update(created_at=now)
    Movement.objects.filter(document_id__gt=before).update(at=now)
    Lot.objects.filter(movements__document_id__gt=before, created_at__gt=now).update(created_at=now)
    return len(QUEUE) + 1
