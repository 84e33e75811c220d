"""Telling the member at a desk how a service call went, the same way on every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.http import HttpRequest

from kamavor.core.errors import KamavorError

T = TypeVar("T")


def attempt(
    request: HttpRequest, call: Callable[[], T], success: str | Callable[[T], str] | None
) -> T | None:
    """Run a service call for a page: on a refusal its message is shown as an error and None is
    returned (the service wrote nothing); otherwise `success` (a text, or a function of the
    result that gives it; None: nothing to say) is shown and the result returned."""
    try:
        result = call()
    except KamavorError as error:
        messages.error(request, error.message)
        return None
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return result
