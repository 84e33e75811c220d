"""Each public page, HTML and the CSS it links together, stays under 30 KB, even for a network
at the size the project is designed for (50 points) with long lists and a full board."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from kamavor.catalogue.models import Category
from kamavor.public.models import Level, NeedOverride
from kamavor.volunteers import services
from kamavor.volunteers.models import Shift
from tests.factories import make_item, make_point

LIMIT = 30 * 1024
LANGS = ("hy", "ru", "en")


def _weight(client, path: str) -> int:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content
    total = len(html)
    for href in re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html):
        css = client.get(href.decode())
        assert css.status_code == 200, href
        total += len(b"".join(css.streaming_content) if css.streaming else css.content)
    return total


@pytest.fixture
def heavy(w):
    """50 points, 120 items each pinned with a note, and 150 shifts with long notes."""
    cache.clear()
    category = Category.objects.create(
        code="heavy", name_hy="Ծանր կատեգորիա", name_ru="Тяжёлая категория", name_en="Heavy"
    )
    points = [w.point] + [make_point(w.org, f"Հավաքման կետ համար {n}") for n in range(49)]
    levels = list(Level)
    for n in range(120):
        item = make_item(
            f"heavy-{n}",
            category=category,
            hy=f"Մանկական ձմեռային կոշիկներ, չափս {n}",
            ru=f"Детские зимние ботинки, размер {n}",
            en=f"Children's winter boots, size {n}",
        )
        NeedOverride.objects.create(
            point=w.point, item=item, level=levels[n % 4], pinned=n % 7 == 0,
            note="Только новые, в упаковке, пожалуйста", updated_by=w.coordinator,
        )  # fmt: skip
    start = timezone.now() + dt.timedelta(hours=2)
    for n in range(150):
        at = start + dt.timedelta(hours=n)
        Shift.objects.create(
            point=points[n % len(points)], task="sorting", starts_at=at,
            ends_at=at + dt.timedelta(hours=4), hands_needed=5, created_by=w.coordinator,
            notes="Տեսակավորում ըստ չափի և սեզոնի, ձեռնոցներ բերեք" * 3,
        )  # fmt: skip
    shift = Shift.objects.order_by("starts_at").first()
    _signup, token = services.sign_up(
        shift=shift, name="Ani", email="ani@example.org", address="10.0.0.1"
    )
    return {"token": token, "shift": shift, "points": points}


@pytest.mark.parametrize("lang", LANGS)
def test_every_public_page_weighs_under_30_kb(client, w, heavy, lang):
    slug = w.point.slug
    paths = [
        f"/{lang}/",
        f"/{lang}/{slug}/",
        f"/{lang}/{slug}/poster/",
        f"/{lang}/{slug}/needs.txt",
        f"/{lang}/shifts/",
        f"/{lang}/shifts/{heavy['shift'].pk}/",
        f"/{lang}/v/{heavy['token']}/",
    ]
    weights = {path: _weight(client, path) for path in paths}
    print(weights)
    assert all(weight < LIMIT for weight in weights.values()), weights
    # The heavy data really is on the pages (the test measures full pages, not empty ones).
    assert weights[f"/{lang}/{slug}/"] > 10 * 1024
    assert weights[f"/{lang}/shifts/"] > 10 * 1024
