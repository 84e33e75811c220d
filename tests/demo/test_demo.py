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
    assert len(households) == 501  # 500, and one registered from a field form
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
    assert_the_dashboards_have_history()

    documents = Document.objects.count()
    again = io.StringIO()
    call_command("demo", stdout=again)
    assert "already there" in again.getvalue()
    assert Document.objects.count() == documents
    assert ShiftTemplate.objects.count() == 5  # refreshed, not duplicated
    assert_the_demo_coordinator_signs_in_with_the_printed_secret(text, again.getvalue())


def assert_the_dashboards_have_history() -> None:
    """The history is posted now and moved back: its daily flows are summed again, so the
    dashboards' days show it; the sorting queue has waited for days."""
    import datetime as dt

    from django.utils import timezone

    from kamavor.sorting.models import DropOff
    from kamavor.stock.models import DailyFlow
    from kamavor.stock.rollups import PointDayFlow

    assert DailyFlow.objects.values("day").distinct().count() >= 4  # 3 days of history, today
    assert PointDayFlow.objects.values("day").distinct().count() >= 4
    for kind in ("donation", "transfer_out"):
        flows = DailyFlow.objects.filter(kind=kind).aggregate(s=Sum("quantity"))["s"]
        moved = Movement.objects.filter(kind=kind).aggregate(s=Sum("quantity"))["s"]
        assert flows == moved
    week_ago = timezone.now() - dt.timedelta(days=7)
    assert DropOff.objects.waiting().filter(created_at__lt=week_ago).exists()


def assert_the_demo_coordinator_signs_in_with_the_printed_secret(first: str, again: str) -> None:
    import base64
    import re

    from django_otp.oath import totp

    from kamavor.demo.network import DEMO_PASSWORD
    from tests.factories import DeskClient

    secret = re.search(r"^  coordinator +([A-Z2-7 ]{20,})$", first, re.M).group(1)
    assert secret in again  # the refresh keeps each authenticator
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    client = DeskClient()
    client.post("/login/", {"username": "coordinator", "password": DEMO_PASSWORD})
    assert client.get("/desk/?all=1")["Location"].startswith("/account/two-factor/")
    client.post("/account/two-factor/", {"code": f"{totp(key):06d}"})
    assert client.get("/desk/?all=1").status_code == 200


def test_every_demo_item_is_named_in_three_scripts():
    from kamavor.catalogue.services import load_catalogue

    load_catalogue()
    for item in Item.objects.all():
        assert any("\u0531" <= ch <= "\u058f" for ch in item.name_hy), item.code
        assert any("\u0400" <= ch <= "\u04ff" for ch in item.name_ru), item.code
        assert item.name_en.isascii() or item.name_en, item.code


def test_the_demo_points_are_named_in_the_pages_language():
    from django.test import Client

    from kamavor.demo.network import POINT_TEXTS, POINTS
    from kamavor.public.models import listed_points

    call_command("demo", days=1, stdout=io.StringIO())
    english = [name for _org, name, *_rest in POINTS]
    listed = {point.slug for point in listed_points()}
    assert "malatia" in listed
    for language in ("hy", "ru"):
        page = Client().get(f"/{language}/").content.decode()
        for slug in listed:
            assert POINT_TEXTS[slug][language][0] in page
        assert not [name for name in english if name in page]
    assert "Malatia distribution point" in Client().get("/en/").content.decode()
    malatia = Client().get("/hy/malatia/").content.decode()
    assert "Մալաթիայի բաշխման կետ" in malatia and "Սեբաստիա փ. 50" in malatia
