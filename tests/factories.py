"""Builders for test data (a small network with personas and a catalogue, stock posted through
the services) and the few readers the desk and API tests share."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from kamavor.catalogue.models import Barcode, Category, Item, KitComponent
from kamavor.network.models import Member, Organisation, Point
from kamavor.network.services import create_token
from kamavor.stock import services
from kamavor.stock.models import Balance, Document, Lot, Movement
from kamavor.stock.services import IntakeLine

_serial = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(username: str, *, superuser: bool = False):
    user_model = get_user_model()
    if superuser:
        return user_model.objects.create_superuser(username, f"{username}@example.org", PASSWORD)
    return user_model.objects.create_user(username, f"{username}@example.org", PASSWORD)


def make_org(name: str) -> Organisation:
    n = next(_serial)
    return Organisation.objects.create(name=name, slug=f"org-{n}")


def make_point(org: Organisation, name: str, kind: str = Point.Kind.COLLECTION) -> Point:
    n = next(_serial)
    return Point.objects.create(
        organisation=org, name=name, slug=f"point-{n}", kind=kind, city="Yerevan"
    )


def make_member(org: Organisation, username: str, role: str, language: str = "en"):
    user = make_user(username)
    Member.objects.create(user=user, organisation=org, role=role, language=language)
    return user


def make_item(
    code: str,
    *,
    category: Category,
    hy: str,
    ru: str,
    en: str,
    tracks_expiry: bool = False,
    tracks_size: bool = False,
    sizes: list[str] | None = None,
    barcodes: tuple[str, ...] = (),
    is_kit: bool = False,
) -> Item:
    item = Item(
        code=code,
        category=category,
        name_hy=hy,
        name_ru=ru,
        name_en=en,
        tracks_expiry=tracks_expiry,
        tracks_size=tracks_size,
        sizes=sizes or [],
        is_kit=is_kit,
    )
    item.refresh_search_text()
    item.save()
    for code_ in barcodes:
        Barcode.objects.create(item=item, code=code_)
    return item


def with_second_factor(user):
    give_second_factor(user)
    return user


@dataclass
class World:
    """Personas (Healthchecks style) and a small catalogue, created once per test module."""

    org: Organisation
    other_org: Organisation
    point: Point
    warehouse: Point
    other_point: Point
    admin: object
    coordinator: object
    volunteer: object
    partner: object
    outsider: object
    rice: Item
    soap: Item
    jacket: Item
    toothpaste: Item
    hygiene_kit: Item

    def later(self, days: int) -> dt.date:
        return timezone.localdate() + dt.timedelta(days=days)

    def token(self, user) -> str:
        return create_token(user=user, name="test")


def build_world() -> World:
    org = make_org("Yerevan Food Bank")
    other_org = make_org("Goris Relief")
    point = make_point(org, "Coworking hub")
    warehouse = make_point(org, "Main warehouse", Point.Kind.WAREHOUSE)
    other_point = make_point(other_org, "Goris school")
    food = Category.objects.create(code="food", name_hy="Սնունդ", name_ru="Еда", name_en="Food")
    hygiene = Category.objects.create(
        code="hygiene", name_hy="Հիգիենա", name_ru="Гигиена", name_en="Hygiene"
    )
    clothing = Category.objects.create(
        code="clothing", name_hy="Հագուստ", name_ru="Одежда", name_en="Clothing"
    )
    rice = make_item(
        "rice-1kg",
        category=food,
        hy="Բրինձ, 1 կգ",
        ru="Рис, 1 кг",
        en="Rice, 1 kg",
        tracks_expiry=True,
        barcodes=("2000000000015",),
    )
    soap = make_item(
        "soap-bar",
        category=hygiene,
        hy="Օճառ",
        ru="Мыло",
        en="Soap bar",
        barcodes=("2000000000022", "2000000000039"),
    )
    toothpaste = make_item(
        "toothpaste",
        category=hygiene,
        hy="Ատամի մածուկ",
        ru="Зубная паста",
        en="Toothpaste",
        tracks_expiry=True,
    )
    jacket = make_item(
        "jacket-child-winter",
        category=clothing,
        hy="Մանկական ձմեռային բաճկոն",
        ru="Детская зимняя куртка",
        en="Child's winter jacket",
        tracks_size=True,
        sizes=["98", "110", "122", "134"],
    )
    kit = make_item(
        "kit-hygiene",
        category=hygiene,
        hy="Հիգիենայի հավաքածու",
        ru="Гигиенический набор",
        en="Hygiene kit",
        is_kit=True,
        tracks_expiry=True,
    )
    KitComponent.objects.create(kit=kit, item=soap, quantity=2)
    KitComponent.objects.create(kit=kit, item=toothpaste, quantity=1)
    return World(
        org=org,
        other_org=other_org,
        point=point,
        warehouse=warehouse,
        other_point=other_point,
        admin=with_second_factor(make_member(org, "ani-admin", Member.Role.ADMIN)),
        coordinator=with_second_factor(
            make_member(org, "gor-coordinator", Member.Role.COORDINATOR)
        ),
        volunteer=make_member(org, "lilit-volunteer", Member.Role.VOLUNTEER),
        partner=make_member(org, "shelter-partner", Member.Role.PARTNER),
        outsider=with_second_factor(
            make_member(other_org, "outsider-coordinator", Member.Role.COORDINATOR)
        ),
        rice=rice,
        soap=soap,
        jacket=jacket,
        toothpaste=toothpaste,
        hygiene_kit=kit,
    )


# ---------------------------------------------------------------- stock


def donate(w: World, *lines: IntakeLine, point=None, by=None) -> Document:
    """Stock for a test, posted through the service (the API's own tests post through HTTP)."""
    return services.post_donation(point=point or w.point, lines=list(lines), by=by or w.coordinator)


def lot_of(w: World, item, point=None, **attributes) -> Lot:
    return Lot.objects.get(item=item, point=point or w.point, **attributes)


def on_hand(point, item) -> int:
    return Balance.objects.filter(point=point, item=item).aggregate(s=Sum("quantity"))["s"] or 0


def ledger() -> tuple[int, int]:
    """How many documents and movements exist: a refused request changes neither."""
    return Document.objects.count(), Movement.objects.count()


# ---------------------------------------------------------------- desks


def give_second_factor(user):
    """A confirmed authenticator for the user (once): personas whose role sees personal data
    must have one to reach the desks."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)


class DeskClient(Client):
    """The test client; `force_login` also passes the second factor where the user needs one,
    so tests of the desks need not sign in twice. `verified=False` stops after the password."""

    def force_login(self, user, backend=None, *, verified: bool = True) -> None:
        from django_otp import DEVICE_ID_SESSION_KEY

        from kamavor.accounts.second_factor import HAS_DEVICE, has_device
        from kamavor.network.access import needs_second_factor

        super().force_login(user, backend)
        fresh = get_user_model().objects.get(pk=user.pk)  # roles are cached on user objects
        if verified and (needs_second_factor(fresh) or has_device(fresh)):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = give_second_factor(user).persistent_id
            session[HAS_DEVICE] = True
            session.save()


def desk(user=None) -> Client:
    """A browser at the desks, logged in as `user` (anonymous without), reading English."""
    client = DeskClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def assert_members_only(w: World, path: str) -> None:
    """Anonymous goes to log in; the outsider is told nothing (404), the partner no (403)."""
    response = desk().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert desk(w.outsider).get(path).status_code == 404
    assert desk(w.partner).get(path).status_code == 403


def assert_form_error(response, error: str) -> None:
    """The form came back (not a redirect) showing this error."""
    assert response.status_code == 200
    assert error in text(response)


# ---------------------------------------------------------------- households


def make_household(w: World, *, by=None, personal=None, org=None, **composition):
    """A household registered through the service (a couple with a child unless told)."""
    from kamavor.households.services import Profile, register_household

    composition = composition or {"female_18_59": 1, "male_18_59": 1, "female_3_5": 1}
    organisation = org or w.org
    return register_household(
        organisation=organisation,
        profile=Profile(composition=composition),
        personal=personal,
        by=by or (w.coordinator if organisation == w.org else w.outsider),
    )
