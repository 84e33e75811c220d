"""The HTTP API under /api/v1/: django-ninja, token authentication, JSON errors with a stable code.

Each domain app adds its router here; they call the same services and access helpers as the pages.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from kamavor.core.errors import KamavorError
from kamavor.network.services import user_for_token

logger = logging.getLogger("kamavor.api")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; tokens come from `kamavor token USERNAME`."""

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Kamavor API",
    version="1",
    description=(
        "The API of a Kamavor aid network. Authenticate with `Authorization: Bearer <token>` "
        "(create a token with `kamavor token USERNAME` or on your account page; a token expires, "
        "90 days after its creation unless told otherwise). Writes accept an `Idempotency-Key` "
        "header: the same key with the same body again returns the first result, with the "
        "same status (201 for a new document), and writes nothing, even when it arrives while "
        "the first is still being written (it waits for it); the same key with another "
        "body is refused (422, `idempotency_key_reused`). Errors are "
        "JSON objects with a stable `code` and a human `message` in the request's language "
        "(Accept-Language: hy, ru or en): 401 without a valid token, 403 where your role may "
        "not do this, 404 for what does not exist or is another organisation's, 409 when stock "
        "or the document's state does not allow it, 422 for wrong types, 500 (`server_error`) "
        "for a failure of the server itself (retry with the same key). An id in a body that "
        "does not exist or is another organisation's is refused alike with 400 and "
        "`unknown_point`, `unknown_item` or `unknown_lot`. Quantities are whole numbers (JSON "
        "integers) in the item's unit."
    ),
    auth=BearerToken(),
    urls_namespace="api",
    docs_url=None,  # the interactive docs page loads its scripts from a CDN; the JSON is enough
    openapi_url="/openapi.json",
)


def error(request: HttpRequest, status: int, code: str, message: str, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(KamavorError)
def on_kamavor_error(request: HttpRequest, exc: KamavorError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied):
    return error(request, 403, "forbidden", _("Your role does not allow this."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return error(
        request, 401, "unauthenticated", _("Send a valid token: Authorization: Bearer <token>.")
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    return error(
        request, 422, "invalid", _("The request is not valid: check the fields."), errors=exc.errors
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # django-ninja could not decode the body (JSONDecodeError, UnicodeDecodeError).
        return error(request, 400, "malformed_json", _("The request body is not valid JSON."))
    code = "bad_request" if exc.status_code == 400 else f"http_{exc.status_code}"
    return error(request, exc.status_code, code, str(exc))


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig):
    return error(request, 413, "too_large", _("The request body is too large."))


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception):
    """Anything unexpected: the traceback goes to the log, the client gets the error shape
    (never an HTML page, never the exception's text)."""
    logger.error("Unexpected error on %s %s", request.method, request.path, exc_info=exc)
    return error(
        request,
        500,
        "server_error",
        _("Something went wrong on the server. Try again in a moment."),
    )


def _add_routers() -> None:
    from kamavor.catalogue.api import router as catalogue_router
    from kamavor.households.api import router as households_router
    from kamavor.network.api import router as network_router
    from kamavor.stock.api import router as stock_router

    api.add_router("", network_router)
    api.add_router("", catalogue_router)
    api.add_router("", stock_router)
    api.add_router("", households_router)
    api.add_router("", "kamavor.needs.api.router")
    api.add_router("", "kamavor.distribution.api.router")
    api.add_router("", "kamavor.allocation.api.router")
    api.add_router("", "kamavor.offline.api.router")
    api.add_router("", "kamavor.exchange.api.router")
    api.add_router("", "kamavor.shelters.api.router")
    api.add_router("", "kamavor.money.api.router")
    api.add_router("", "kamavor.sorting.api.router")
    api.add_router("", "kamavor.reports.api.router")


_add_routers()
