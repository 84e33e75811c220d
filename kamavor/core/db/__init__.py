"""Kamavor's own database backends (see sqlite3/base.py)."""
