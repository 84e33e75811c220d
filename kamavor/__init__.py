"""Kamavor: software for a network of volunteer aid collection points."""

__version__ = "0.1.0"
