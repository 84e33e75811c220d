"""Setting up a field phone (ODK Collect, KoboCollect) from the member's own page.

A phone signs in with HTTP Basic over HTTPS: the member's username and a device token, an API
token named for the phone, made and revoked on the account page like any other (only its digest
is stored; revoking it shuts that one phone out and nothing else). Kamavor does not offer HTTP
Digest: see docs/field-data.md for why.

The page shows each organisation's server address; when a phone token has just been made, it
also shows a QR code that ODK Collect reads (*Project settings → Reconfigure with QR code*):
the settings as zlib-compressed, base64-encoded JSON naming the server, the username and the
token. Like the token, the QR code is shown once and never stored.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass

import segno
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from kamavor.network.models import Member, Organisation

PHONE_TOKEN_NAME = "ODK Collect"


@dataclass(frozen=True)
class Server:
    organisation: Organisation
    url: str


@dataclass(frozen=True)
class PhoneSetup:
    server: Server
    username: str
    qr: SafeString


def server_url(request: HttpRequest, organisation: Organisation) -> str:
    """The address ODK Collect is given: the organisation's OpenRosa root, slash-ended."""
    form_list = reverse("exchange:form_list", args=[organisation.slug])
    return request.build_absolute_uri(form_list.removesuffix("formList"))


def servers_for(request: HttpRequest, user) -> list[Server]:
    """The OpenRosa server of each organisation the member belongs to."""
    members = Member.objects.filter(user=user).select_related("organisation")
    organisations = sorted({m.organisation for m in members}, key=lambda o: o.name)
    return [Server(org, server_url(request, org)) for org in organisations]


def collect_settings(*, url: str, username: str, token: str) -> str:
    """ODK Collect's settings QR payload: the JSON zlib-compressed, then base64-encoded."""
    settings = {
        "general": {"server_url": url, "username": username, "password": token},
        "admin": {},
    }
    packed = zlib.compress(json.dumps(settings, separators=(",", ":")).encode())
    return base64.b64encode(packed).decode()


def phone_setup(request: HttpRequest, *, slug: str, token: str) -> PhoneSetup | None:
    """What a phone needs to sign in to the organisation named by slug, if the member belongs to
    it; None otherwise."""
    user = request.user
    member = (
        Member.objects.filter(user=user, organisation__slug=slug)
        .select_related("organisation")
        .first()
    )
    if member is None:
        return None
    server = Server(member.organisation, server_url(request, member.organisation))
    payload = collect_settings(url=server.url, username=user.get_username(), token=token)
    qr = segno.make(payload, error="l").svg_inline(scale=3, border=2, omitsize=True)
    return PhoneSetup(server=server, username=user.get_username(), qr=mark_safe(qr))
