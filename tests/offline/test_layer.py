"""The offline layer on the desk pages: there, translated, small, and served with the right
headers (the service worker's scope covers the desks; no inline script)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.factories import desk, text

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 60 * 1024


def strings(page: str) -> dict:
    block = re.search(r'<script id="offline-strings" type="application/json">(.*?)</script>', page)
    return json.loads(block.group(1))


@pytest.mark.parametrize(
    ("language", "waiting"),
    [("en", "Offline — {n} waiting"), ("ru", "Нет сети — в очереди: {n}"),
     ("hy", "Կապ չկա — սպասում է՝ {n}")],
)  # fmt: skip
def test_the_desks_carry_the_layer_in_the_page_language(w, language, waiting):
    client = desk(w.volunteer)
    client.cookies["django_language"] = language
    for url in (
        f"/desk/{w.point.pk}/intake/",
        f"/desk/{w.point.pk}/distribution/",
        "/desk/households/new/",
    ):
        page = client.get(url, headers={"Accept-Language": language}).content.decode()
        assert 'id="offline-layer"' in page, url
        assert strings(page)["offline"] == waiting


def test_the_service_worker_covers_the_desks(w):
    response = desk(w.volunteer).get("/desk/sw.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/desk/"
    assert response["Cache-Control"] == "no-cache"
    assert "/static/offline/offline.js" in text(response)
    manifest = desk(w.volunteer).get("/desk/manifest.webmanifest").json()
    assert manifest["scope"] == "/desk/" and manifest["start_url"] == "/desk/"


def test_the_pages_keep_their_policy_and_no_inline_script(w):
    response = desk(w.volunteer).get(f"/desk/{w.point.pk}/intake/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text(response))
    assert scripts == []


def test_the_layer_adds_less_than_60_kb_to_a_desk_page(w):
    page = desk(w.volunteer).get(f"/desk/{w.point.pk}/intake/").content.decode()
    start = page.index('<section id="offline-layer"')
    markup = page[start : page.index("offline.js", start)]
    script = ROOT / "kamavor/offline/static/offline/offline.js"
    css = (ROOT / "kamavor/core/static/kamavor/kamavor.css").read_text()
    size = len(markup.encode()) + script.stat().st_size + len(css[css.index("/* The offline") :])
    assert size < BUDGET
