"""The public pages: no login, the language in the URL, no script, cacheable, small."""

from __future__ import annotations

import re

import pytest

from kamavor.network.models import Point
from kamavor.public.models import PublicPage
from kamavor.volunteers.services import sign_up
from tests.factories import make_point
from tests.volunteers.helpers import make_shift

LANGS = ("hy", "ru", "en")
# One phrase of each page in each language, so a missing translation fails the test.
NEEDED_NOW = {"hy": "Հիմա պետք է", "ru": "Нужно сейчас", "en": "Needed now"}
HANDS = {"hy": "Ձեռքեր են պետք", "ru": "Нужны руки", "en": "Hands needed"}


@pytest.fixture
def pages(w):
    shift = make_shift(w)
    _signup, token = sign_up(
        shift=shift, name="Ani", phone="091234567", languages=["hy"], address="10.0.0.1"
    )
    slug = w.point.slug
    return {
        "network": ("/{lang}/", HANDS),
        "point": (f"/{{lang}}/{slug}/", NEEDED_NOW),
        "poster": (f"/{{lang}}/{slug}/poster/", NEEDED_NOW),
        "text": (f"/{{lang}}/{slug}/needs.txt", NEEDED_NOW),
        "board": ("/{lang}/shifts/", HANDS),
        "signup": (f"/{{lang}}/shifts/{shift.pk}/", HANDS),
        "mine": (f"/{{lang}}/v/{token}/", HANDS),
    }


@pytest.mark.parametrize("lang", LANGS)
def test_every_public_page_in_every_language(client, w, pages, lang):
    for name, (path, phrase) in pages.items():
        response = client.get(path.format(lang=lang))
        assert response.status_code == 200, name
        assert response["Content-Language"] == lang, name
        body = response.content.decode()
        assert phrase[lang] in body, (name, lang)
        if name != "text":
            assert f'<html lang="{lang}">' in body, name
            assert "<script" not in body, name  # fully usable without JavaScript
            assert w.point.name in body or name in ("board", "network", "mine", "signup")


def test_the_language_links_lead_to_the_same_page(client, w):
    body = client.get(f"/hy/{w.point.slug}/").content.decode()
    for lang in LANGS:
        assert f'href="/{lang}/{w.point.slug}/"' in body


def test_no_login_is_needed_and_no_session_is_started(client, w):
    response = client.get(f"/en/{w.point.slug}/")
    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_pages_are_cacheable_and_answer_conditional_requests(client, w):
    response = client.get(f"/en/{w.point.slug}/")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get(f"/en/{w.point.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    other = client.get(f"/ru/{w.point.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200  # another language is another page


def test_the_point_page_shows_what_a_donor_needs(client, w):
    Point.objects.filter(pk=w.point.pk).update(
        address="12 Abovyan St", opening_hours="10:00–18:00", contact="+374 10 000000",
        latitude="40.181500", longitude="44.514400",
    )  # fmt: skip
    body = client.get(f"/en/{w.point.slug}/").content.decode()
    assert "12 Abovyan St" in body and "10:00–18:00" in body and "+374 10 000000" in body
    assert 'href="https://www.openstreetmap.org/?mlat=40.181500&amp;mlon=44.514400' in body
    assert "<iframe" not in body
    assert "Food" in body and "Hygiene" in body  # accepts everything by default


def test_the_poster_prints_on_a4(client, w):
    from django.contrib.staticfiles import finders

    body = client.get(f"/en/{w.point.slug}/poster/").content.decode()
    assert 'class="poster"' in body
    assert "<svg" in body and f"http://testserver/en/{w.point.slug}/" in body  # the QR code
    with open(finders.find("kamavor/public.css")) as file:
        css = file.read()
    assert "@page { size: A4" in css and "@media print" in css


def test_the_text_version_is_plain(client, w):
    response = client.get(f"/en/{w.point.slug}/needs.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "<" not in body and w.point.name in body
    assert f"http://testserver/en/{w.point.slug}/" in body


def test_shelters_and_hidden_points_are_not_public(client, w):
    shelter = make_point(w.org, "Hotel shelter", Point.Kind.SHELTER)
    assert client.get(f"/en/{shelter.slug}/").status_code == 404
    assert shelter.name not in client.get("/en/").content.decode()
    PublicPage.objects.create(point=w.point, listed=False)
    assert client.get(f"/en/{w.point.slug}/").status_code == 404
    assert client.get("/en/nowhere/").status_code == 404


def test_other_languages_are_not_pages(client, w):
    assert client.get("/de/").status_code == 404
    assert client.get(f"/fr/{w.point.slug}/").status_code == 404


def test_a_public_page_refuses_writes(client, w):
    assert client.post(f"/en/{w.point.slug}/").status_code == 405


def test_the_page_has_no_third_party_reference(client, w, pages):
    for path, _phrase in pages.values():
        body = client.get(path.format(lang="hy")).content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', body)
        loaded = re.findall(r'<(?:link|img|script)[^>]+(?:src|href)="([^"]+)"', body)
        assert all(s.startswith("/") for s in loaded), loaded
        # The only outside link is the OpenStreetMap one, which loads nothing by itself.
        outside = [s for s in sources if s.startswith("http")]
        assert all(s.startswith("https://www.openstreetmap.org/") for s in outside), outside


def test_the_root_leads_visitors_to_the_public_pages_and_members_to_their_desk(w):
    from django.test import Client

    from tests.factories import desk

    assert Client(HTTP_ACCEPT_LANGUAGE="ru").get("/")["Location"] == "/ru/"
    assert Client(HTTP_ACCEPT_LANGUAGE="de").get("/")["Location"] == "/hy/"
    assert desk(w.coordinator).get("/")["Location"] == "/desk/"
    assert 'href="/login/"' in Client().get("/en/").content.decode()
