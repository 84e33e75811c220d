"""WSGI entry point for `kamavor serve` and any other WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

from kamavor.lib.private_files import private_umask

# Before anything is opened or written: every file this server creates is private (the
# settings also fix the data folder's modes).
private_umask()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamavor.settings")

application = get_wsgi_application()
