"""The demo's history lies in the past, so what a volunteer posts now is the newest posting."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kamavor.catalogue.models import Item
from kamavor.network.models import Point
from kamavor.stock.models import Document, Movement

pytestmark = pytest.mark.django_db


@pytest.fixture
def early_morning(monkeypatch) -> dt.datetime:
    """The demo is built at 05:00 local time, before any point opens."""
    real = timezone.localtime()
    morning = real.replace(hour=5, minute=0, second=0, microsecond=0)
    if morning > real:
        morning -= dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: morning)
    return morning


def test_no_demo_document_lies_in_the_future(early_morning, monkeypatch):
    call_command("demo", days=2, stdout=io.StringIO())
    assert Document.objects.filter(created_at__gt=early_morning).count() == 0
    assert Movement.objects.filter(at__gt=early_morning).count() == 0
    today = Document.objects.filter(created_at__date=early_morning.date()).count()
    assert today > 0  # today's documents are there, only earlier in the day


def test_a_donation_just_posted_heads_the_last_postings(client, early_morning, monkeypatch):
    call_command("demo", days=2, stdout=io.StringIO())
    monkeypatch.undo()  # back to the real clock: the volunteer posts a little later
    point = Point.objects.get(slug="coworking")
    client.force_login(get_user_model().objects.get(username="volunteer"))
    soap = Item.objects.get(code="soap-bar-100g")
    client.post(
        reverse("stock:intake_add", args=[point.pk]),
        {"item": soap.pk, "quantity": 7, "condition": "new"},
    )
    client.post(reverse("stock:intake_post", args=[point.pk]), {"donor": ""})
    mine = Document.objects.filter(point=point).latest("pk")
    assert mine.lines.get().quantity == 7
    page = client.get(reverse("stock:intake", args=[point.pk])).content.decode()
    recent = page[page.index('id="recent"') :]
    first = re.search(r'href="/desk/documents/(\d+)/"', recent)
    assert first and int(first.group(1)) == mine.pk
    reverse_button = re.search(r'href="/desk/documents/(\d+)/#reverse"', recent)
    assert reverse_button and int(reverse_button.group(1)) == mine.pk
