"""The password check, throttled: whatever asks (the login page, the admin), a locked account
or address is refused before the password is even compared, and every wrong one is counted."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from kamavor.accounts import throttle
from kamavor.core.proxy import client_address


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = client_address(request) if request is not None else ""
        if throttle.locked_until(username, address) is not None:
            raise PermissionDenied  # stops Django from asking any other backend
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.record_failure(username, address)
        return user
