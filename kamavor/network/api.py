"""API endpoints of the network app."""

from ninja import Router

router = Router(tags=["network"])
