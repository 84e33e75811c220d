"""API endpoints of the catalogue app."""

from ninja import Router

router = Router(tags=["catalogue"])
