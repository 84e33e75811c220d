"""API endpoints of the stock app."""

from ninja import Router

router = Router(tags=["stock"])
