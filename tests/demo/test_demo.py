"""`kamavor demo` builds a believable network and can be run again safely."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db.models import Sum

from kamavor.catalogue.models import Item
from kamavor.households.models import Household
from kamavor.needs.models import Request
from kamavor.network.models import Member, Organisation, Point
from kamavor.stock.models import Balance, Document, Movement
from kamavor.volunteers.models import Shift, ShiftTemplate, SignUp

pytestmark = pytest.mark.django_db


def test_it_builds_the_network_then_refreshes_it():
    out = io.StringIO()
    call_command("demo", days=3, stdout=out)
    text = out.getvalue()
    assert "Demo network created" in text
    for username in ("admin", "coordinator", "volunteer", "partner"):
        assert username in text
    # Each login is printed with its password on its own line, the way to type them.
    assert "see right" not in text
    assert re.search(r"^ +coordinator +kamavor-demo +coordinator, Yerevan Food Bank$", text, re.M)
    assert Organisation.objects.count() >= 3
    assert (
        Point.objects.filter(city="Yerevan").exists()
        and Point.objects.filter(city="Goris").exists()
    )
    assert Point.objects.count() >= 6
    assert Item.objects.filter(is_kit=False).count() >= 150
    assert set(Member.objects.values_list("role", flat=True)) == set(Member.Role.values)
    assert Document.objects.filter(kind=Document.Kind.DONATION).count() > 20
    assert Document.objects.filter(kind=Document.Kind.TRANSFER).exists()
    households = list(Household.objects.all())
    assert len(households) == 500
    assert 3.0 <= sum(h.size for h in households) / len(households) <= 3.6
    assert Document.objects.filter(kind="distribution", household__isnull=False).count() > 50
    assert Request.objects.filter(shelter__isnull=False).exists()
    assert Request.objects.filter(household__isnull=False).count() > 5
    assert Shift.objects.upcoming().count() > 30
    assert ShiftTemplate.objects.count() >= 5
    assert SignUp.objects.active().exists()
    assert "shifts:" in text
    movements = Movement.objects.aggregate(s=Sum("quantity"))["s"]
    assert movements == Balance.objects.aggregate(s=Sum("quantity"))["s"]

    documents = Document.objects.count()
    again = io.StringIO()
    call_command("demo", stdout=again)
    assert "already there" in again.getvalue()
    assert Document.objects.count() == documents
    assert ShiftTemplate.objects.count() == 5  # refreshed, not duplicated


def test_every_demo_item_is_named_in_three_scripts():
    from kamavor.catalogue.services import load_catalogue

    load_catalogue()
    for item in Item.objects.all():
        assert any("\u0531" <= ch <= "\u058f" for ch in item.name_hy), item.code
        assert any("\u0400" <= ch <= "\u04ff" for ch in item.name_ru), item.code
        assert item.name_en.isascii() or item.name_en, item.code
