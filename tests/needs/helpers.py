"""Households, shelters, standards and hand-outs for the needs tests (built directly: these
tests are about needs, not registration or the distribution desk)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kamavor.households.models import Household
from kamavor.lib.household_codes import new_code
from kamavor.needs.models import Standard
from kamavor.network.models import Point
from kamavor.stock.ledger import Posting
from kamavor.stock.models import Document, Lot
from kamavor.stock.services import IntakeLine
from tests.factories import World, donate, make_point


def make_household(w: World, *, org=None, **composition) -> Household:
    composition = composition or {"female_18_59": 1, "male_18_59": 1, "female_3_5": 1}
    return Household.objects.create(
        code=new_code(),
        organisation=org or w.org,
        registered_point=w.point,
        registered_by=w.coordinator,
        **composition,
    )


def make_shelter(org, name: str) -> Point:
    return make_point(org, name, Point.Kind.SHELTER)


def make_standard(code: str, item, **fields) -> Standard:
    fields = {"quantity": 1, "period_days": 30, "per": "person", "eligibility": "all"} | fields
    return Standard.objects.create(code=code, item=item, **fields)


def hand_out(w: World, household: Household, item, quantity: int, *, days_ago: int = 0):
    """A distribution to the household through the ledger's posting, `days_ago` days back."""
    expiry = w.later(300) if item.tracks_expiry else None
    donate(w, IntakeLine(item, quantity, expiry=expiry))
    lot = Lot.objects.get(item=item, point=w.point, expiry=expiry, size="")
    document = Document.objects.create(
        kind="distribution",
        status=Document.Status.POSTED,
        organisation=w.org,
        point=w.point,
        created_by=w.volunteer,
        household=household,
    )
    at = timezone.now() - dt.timedelta(days=days_ago)
    posting = Posting(document=document, by=w.volunteer, at=at)
    posting.move(lot=lot, delta=-quantity, kind="distribution")
    posting.save()
    return document
