"""Setting up a field phone from one's own page: the server address, a device token, and the
QR code ODK Collect reads; the token signs the phone in to the OpenRosa server."""

from __future__ import annotations

import base64
import json
import zlib

from kamavor.accounts.phones import collect_settings
from kamavor.network.models import ApiToken
from tests.factories import desk


def _basic(username: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()


def test_the_page_shows_the_server_address_of_each_organisation_of_the_member(w):
    page = desk(w.volunteer).get("/account/").content.decode()
    assert f"http://testserver/openrosa/{w.org.slug}/" in page
    assert f"/openrosa/{w.other_org.slug}/" not in page


def test_a_phone_token_comes_with_the_server_and_a_qr_code_and_signs_the_phone_in(w):
    client = desk(w.volunteer)
    form = {"name": "ODK Collect", "days": 90, "phone_for": w.org.slug}
    page = client.post("/account/tokens/new/", form).content.decode()
    token = page.split('id="new-token">')[1].split("<")[0]
    assert ApiToken.objects.get(user=w.volunteer).name == "ODK Collect"
    phones = page.split('id="phones"')[1]
    assert "<svg" in phones and w.volunteer.username in phones
    response = client.get(
        f"/openrosa/{w.org.slug}/formList",
        HTTP_AUTHORIZATION=_basic(w.volunteer.username, token),
        HTTP_X_OPENROSA_VERSION="1.0",
    )
    assert response.status_code == 200
    again = client.get("/account/").content.decode()
    assert token not in again and "<svg" not in again.split('id="phones"')[1]


def test_no_phone_setup_for_an_organisation_one_does_not_belong_to(w):
    form = {"name": "ODK Collect", "days": 90, "phone_for": w.other_org.slug}
    page = desk(w.volunteer).post("/account/tokens/new/", form).content.decode()
    assert "<svg" not in page.split('id="phones"')[1]


def test_the_qr_payload_is_odk_collect_settings_json_zlib_base64():
    payload = collect_settings(url="https://k.example/openrosa/x/", username="ani", token="kmv_t")
    settings = json.loads(zlib.decompress(base64.b64decode(payload)))
    assert settings["general"] == {
        "server_url": "https://k.example/openrosa/x/",
        "username": "ani",
        "password": "kmv_t",
    }
