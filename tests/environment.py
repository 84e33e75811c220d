"""Loaded with `-p` before Django's settings are read (see pyproject.toml).

Tests talk plain HTTP to the app (test client, live server); the production HTTPS settings are
checked by `kamavor check --deploy` in CI instead.
"""

import os

os.environ.setdefault("KAMAVOR_HTTPS", "0")
