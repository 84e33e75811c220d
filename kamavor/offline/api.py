"""API endpoints of the offline app: the sync feeds and the outbox, for offline clients other
than the desks' own pages (a field app, a chat bot that queues while the network is down).

They call the same read and service functions as the desk's endpoints: a write is posted once
per Idempotency-Key, or held for a coordinator's decision (answered 200 with `state: held`).
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema

from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import Id, PathId
from kamavor.network.access import get_point_for
from kamavor.network.api import ERRORS, NO_NUL
from kamavor.offline import reads, services
from kamavor.offline.access import KIND_ACTIONS

router = Router(tags=["offline"])

Feed = Literal["catalogue", "households", "lots"]
Kind = Literal["donation", "distribution", "household"]


class FeedOut(Schema):
    rows: list[dict[str, Any]]
    next_offset: int | None = Field(description="The next page's offset; null at the end.")
    cursor: str = Field(description="Send it as `since` at the next sync.")


class WriteIn(Schema):
    kind: Kind
    payload: dict[str, Any] = Field(
        description="donation: {lines: [{item, quantity, expiry?, size?}], donor?, note?}; "
        "distribution: {household: code, lines: [{item, quantity, size?}], note?}; "
        "household: {composition: {female_18_59: 1, …}, flags?, area?, languages?, notes?}"
    )
    made_at: str | None = Field(None, max_length=40, pattern=NO_NUL)


class HeldOut(Schema):
    id: Id
    code: str
    message: str
    state: str
    reason: str = ""


class WriteOut(Schema):
    state: Literal["posted", "held"]
    number: str | None = None
    household: str | None = None
    held: HeldOut | None = None


KEY = Header(
    ...,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="The write's own key, made when it was queued; sending it again answers the "
    "first result and writes nothing.",
)
KEY.json_schema_extra.update(KEY_LIMITS)


@router.get("/points/{point_id}/changes/{feed}", response={200: FeedOut, **ERRORS})
def changes(
    request: HttpRequest,
    point_id: PathId,
    feed: Feed,
    since: str = Query("", max_length=64, pattern=NO_NUL),
    offset: int = Query(0, ge=0, le=reads.MAX_OFFSET),
    limit: int = Query(reads.PAGE, ge=1, le=reads.MAX_PAGE),
) -> reads.Feed:
    """What a desk needs offline, changed since its cursor: the catalogue (whole, unless
    `since` is its current version), the point's lots moved since, or the organisation's
    households active since, with what each is due (no personal field)."""
    point = get_point_for(request.user, point_id)
    return reads.read_feed(request.user, point, feed, since=since, offset=offset, limit=limit)


@router.post("/points/{point_id}/outbox", response={200: WriteOut, **ERRORS})
def send_write(request: HttpRequest, point_id: PathId, body: WriteIn, key: str = KEY) -> dict:
    """One write from an offline client's outbox: posted once, or held for a coordinator."""
    point = get_point_for(request.user, point_id, KIND_ACTIONS[body.kind])
    outcome = services.submit_write(
        point=point,
        by=request.user,
        kind=body.kind,
        key=key,
        payload=body.payload,
        made_at=body.made_at,
    )
    return services.describe(outcome)
