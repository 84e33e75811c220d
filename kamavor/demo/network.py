"""A believable demo network: organisations and points in Yerevan and Goris, the catalogue,
members for every role, and some weeks of donations, purchases, transfers, counts and kits.

Everything goes through the same services as the desks; only the timestamps are moved back
afterwards so the history spreads over past weeks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from kamavor.accounts.second_factor import demo_authenticator
from kamavor.catalogue.models import Item
from kamavor.catalogue.services import load_catalogue
from kamavor.core.errors import KamavorError
from kamavor.demo.households import build_households
from kamavor.demo.money import build_money
from kamavor.demo.shelters import build_shelters
from kamavor.demo.shifts import build_shifts
from kamavor.demo.sorting import build_sorting
from kamavor.households.models import Household
from kamavor.needs.defaults import load_standards
from kamavor.needs.models import Request
from kamavor.needs.services import LineIn, create_request, dues_for
from kamavor.network.access import needs_second_factor
from kamavor.network.models import Member, Organisation, Point
from kamavor.stock import services
from kamavor.stock.models import Document, Lot, Movement
from kamavor.stock.services import CountLine, IntakeLine, LotLine

DEMO_PASSWORD = "kamavor-demo"
MARKER_SLUG = "yerevan-food-bank"

ORGANISATIONS = [
    ("Yerevan Food Bank", MARKER_SLUG, "+374 10 000 001"),
    ("Goris Volunteer Fund", "goris-volunteer-fund", "+374 284 0 0001"),
    ("Hope Medical Charity", "hope-medical-charity", "+374 10 000 003"),
]
# (organisation slug, name, slug, kind, city, address, hours, latitude, longitude)
POINTS = [
    (MARKER_SLUG, "Coworking collection point", "coworking", "collection", "Yerevan",
     "Tumanyan St 8", "Mon–Sun 10:00–20:00", "40.1843", "44.5152"),
    (MARKER_SLUG, "Food bank warehouse", "fb-warehouse", "warehouse", "Yerevan",
     "Arshakunyats Ave 34", "Mon–Sat 09:00–18:00", "40.1655", "44.5036"),
    (MARKER_SLUG, "Malatia distribution point", "malatia", "distribution", "Yerevan",
     "Sebastia St 50", "Mon–Sat 11:00–19:00", "40.1719", "44.4547"),
    ("goris-volunteer-fund", "Goris collection point", "goris", "collection", "Goris",
     "Mashtots St 12", "Every day 09:00–21:00", "39.5111", "46.3386"),
    ("goris-volunteer-fund", "Goris school No. 2 shelter", "goris-school", "shelter", "Goris",
     "Syuniki St 3", "Deliveries 10:00–16:00", "39.5074", "46.3433"),
    ("hope-medical-charity", "Charity pharmacy desk", "pharmacy-desk", "collection", "Yerevan",
     "Abovyan St 22", "Mon–Fri 10:00–18:00", "40.1852", "44.5213"),
    ("hope-medical-charity", "Kentron hotel shelter", "kentron-hotel", "shelter", "Yerevan",
     "Nalbandyan St 15", "Deliveries 12:00–17:00", "40.1792", "44.5150"),
]  # fmt: skip
# Each point's name, address and opening hours in Armenian and Russian (and English, as above).
POINT_TEXTS = {
    "coworking": {
        "hy": ("Քովորքինգի հավաքման կետ", "Թումանյան փ. 8", "Երկ–Կիր 10:00–20:00"),
        "ru": ("Пункт сбора в коворкинге", "ул. Туманяна, 8", "Пн–Вс 10:00–20:00"),
    },
    "fb-warehouse": {
        "hy": ("Սննդի բանկի պահեստ", "Արշակունյաց պող. 34", "Երկ–Շբթ 09:00–18:00"),
        "ru": ("Склад продовольственного банка", "пр. Аршакуняц, 34", "Пн–Сб 09:00–18:00"),
    },
    "malatia": {
        "hy": ("Մալաթիայի բաշխման կետ", "Սեբաստիա փ. 50", "Երկ–Շբթ 11:00–19:00"),
        "ru": ("Пункт раздачи в Малатии", "ул. Себастия, 50", "Пн–Сб 11:00–19:00"),
    },
    "goris": {
        "hy": ("Գորիսի հավաքման կետ", "Մաշտոցի փ. 12", "Ամեն օր 09:00–21:00"),
        "ru": ("Пункт сбора в Горисе", "ул. Маштоца, 12", "Ежедневно 09:00–21:00"),
    },
    "goris-school": {
        "hy": ("Գորիսի թիվ 2 դպրոցի ապաստարան", "Սյունիքի փ. 3", "Առաքումներ 10:00–16:00"),
        "ru": ("Убежище в школе № 2 Гориса", "ул. Сюники, 3", "Доставка 10:00–16:00"),
    },
    "pharmacy-desk": {
        "hy": ("Բարեգործական դեղատան կետ", "Աբովյան փ. 22", "Երկ–Ուրբ 10:00–18:00"),
        "ru": ("Благотворительная аптечная стойка", "ул. Абовяна, 22", "Пн–Пт 10:00–18:00"),
    },
    "kentron-hotel": {
        "hy": ("Կենտրոն հյուրանոցի ապաստարան", "Նալբանդյան փ. 15", "Առաքումներ 12:00–17:00"),
        "ru": ("Убежище в гостинице «Кентрон»", "ул. Налбандяна, 15", "Доставка 12:00–17:00"),
    },
}
# (username, organisation slug, role, language, what to say about it)
LOGINS = [
    ("admin", MARKER_SLUG, Member.Role.ADMIN, "en", "network administrator (and /admin/)"),
    ("coordinator", MARKER_SLUG, Member.Role.COORDINATOR, "hy", "coordinator, Yerevan Food Bank"),
    ("volunteer", MARKER_SLUG, Member.Role.VOLUNTEER, "hy", "intake volunteer, Yerevan Food Bank"),
    ("partner", "goris-volunteer-fund", Member.Role.PARTNER, "hy", "shelter partner, Goris"),
    ("goris", "goris-volunteer-fund", Member.Role.COORDINATOR, "ru", "coordinator, Goris"),
    ("medic", "hope-medical-charity", Member.Role.COORDINATOR, "en", "coordinator, charity"),
    ("treasurer", MARKER_SLUG, Member.Role.TREASURER, "hy", "treasurer, Yerevan Food Bank"),
]
DONORS = ["", "", "", "", "Anna M.", "Tumo students", "SAS supermarket", "Ararat church group",
          "Diaspora parcel (Los Angeles)", "Armen K.", "School No. 55"]  # fmt: skip
INTAKE_CATEGORIES = {
    "collection": ["food", "hygiene", "clothing", "baby", "baby-food", "bedding", "household"],
    "pharmacy": ["medical", "hygiene", "baby"],
}


@dataclass
class DemoResult:
    created: bool
    documents: int
    logins: list[tuple[str, str, str]]
    # username: the secret of its authenticator, for the logins whose role needs a second factor
    second_factors: dict[str, str]


def build_demo(*, days: int = 21, progress: Callable[[str], None] = print) -> DemoResult:
    """Create the demo network, or refresh an existing one (catalogue and logins only)."""
    counts = load_catalogue()
    progress(f"catalogue: {counts['items']} items in {counts['categories']} categories")
    created = not Organisation.objects.filter(slug=MARKER_SLUG).exists()
    if created:
        _create_network()
    users = _ensure_logins()
    documents = 0
    if created:
        documents = _History(users=users, rng=random.Random(2023), progress=progress).run(days)
    standards = load_standards()
    households = build_households(count=500, rng=random.Random(1923))
    progress(
        f"standards: {len(standards.created)} new; "
        f"households: {Household.objects.count()} ({len(households)} new)"
    )
    progress(f"shelters: {build_shelters(users=users)} households placed")
    if created:
        served = _serve_households(users=users, rng=random.Random(2024), days=days)
        progress(f"distributions: {served} households served")
        documents += served
        _ask(users=users, rng=random.Random(2025))
        sorted_ = build_sorting(
            volunteer=users["volunteer"], coordinator=users["coordinator"], rng=random.Random(11)
        )
        progress(f"drop-offs: {sorted_} (a sorting queue and a packed box)")
    coordinators = {
        org: users[name] for name, org, role, *_rest in LOGINS if role == Member.Role.COORDINATOR
    }
    coming, signups = build_shifts(coordinators=coordinators, rng=random.Random(2026))
    progress(f"shifts: {coming} coming, {signups} sign-ups")
    progress(f"money: {build_money(coordinators=coordinators, rng=random.Random(2027))} records")
    if created:
        # The postings were stamped now and moved back afterwards: sum the ledger's daily flows
        # again from the movements, so the dashboards' days show the weeks of history.
        from kamavor.stock.ledger import rebuild_daily_flows

        progress(f"daily flows: {rebuild_daily_flows()} rows summed from the movements")
    logins = [(username, DEMO_PASSWORD, about) for username, _, _, _, about in LOGINS]
    # Roles that see personal data sign in with a second factor, in the demo too: each such
    # login gets an authenticator whose secret is printed with the password. There is no way
    # to skip the second factor, so a demo's settings can never leak one into production.
    second_factors = {
        name: demo_authenticator(user)
        for name, user in users.items()
        if needs_second_factor(get_user_model().objects.get(pk=user.pk))
    }
    return DemoResult(
        created=created, documents=documents, logins=logins, second_factors=second_factors
    )


def _create_network() -> None:
    orgs = {}
    for name, slug, contact in ORGANISATIONS:
        orgs[slug] = Organisation.objects.create(name=name, slug=slug, contact=contact)
    for org, name, slug, kind, city, address, hours, lat, lon in POINTS:
        Point.objects.create(
            organisation=orgs[org], name=name, slug=slug, kind=kind, city=city, address=address,
            opening_hours=hours, latitude=lat, longitude=lon, contact=orgs[org].contact,
            name_en=name, address_en=address, opening_hours_en=hours,
            **_point_texts(slug),
        )  # fmt: skip


def _ensure_logins() -> dict:
    user_model = get_user_model()
    users = {}
    for username, org_slug, role, language, _about in LOGINS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        if username == "admin":
            user.is_staff = user.is_superuser = True
        user.save()
        Member.objects.update_or_create(
            user=user,
            organisation=Organisation.objects.get(slug=org_slug),
            defaults={"role": role, "language": language},
        )
        users[username] = user
    return users


class _History:
    """Some weeks of believable stock history, posted day by day through the services."""

    def __init__(self, *, users: dict, rng: random.Random, progress: Callable[[str], None]):
        self.users = users
        self.rng = rng
        self.progress = progress
        self.points = {p.slug: p for p in Point.objects.all()}
        items = list(Item.objects.filter(is_kit=False).select_related("category"))
        self.by_category: dict[str, list[Item]] = {}
        for item in items:
            self.by_category.setdefault(item.category.code, []).append(item)
        self.documents = 0

    def run(self, days: int) -> int:
        start = timezone.localdate() - dt.timedelta(days=days)
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            self._day(day)
            if offset % 7 == 6:
                self.progress(f"history: {offset + 1} of {days} days, {self.documents} documents")
        self._day(timezone.localdate(), today=True)
        return self.documents

    def _at(self, day: dt.date, hour: int) -> dt.datetime:
        """A moment of that day at about that hour, never after now: today's documents are
        spread over the part of today already past, so what a desk posts next is the newest."""
        minute = self.rng.randrange(60)
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        return _before_now(when, self.rng)

    def _post(self, when: dt.datetime, call: Callable[[], Document]) -> Document | None:
        try:
            document = call()
        except KamavorError:
            return None  # e.g. stock ran out for a planned transfer: skip it, as a desk would
        Document.objects.filter(pk=document.pk).update(created_at=when)
        Movement.objects.filter(document=document).update(at=when)
        Lot.objects.filter(movements__document=document, created_at__gt=when).update(
            created_at=when
        )
        self.documents += 1
        return document

    def _day(self, day: dt.date, today: bool = False) -> None:
        volunteer, coordinator = self.users["volunteer"], self.users["coordinator"]
        for _ in range(self.rng.randint(3, 6) if today else self.rng.randint(6, 12)):
            self._donation(day, "coworking", volunteer, "collection")
        for _ in range(self.rng.randint(3, 8)):
            self._donation(day, "goris", self.users["goris"], "collection")
        for _ in range(self.rng.randint(1, 4)):
            self._donation(day, "pharmacy-desk", self.users["medic"], "pharmacy")
        if today:
            return
        if day.weekday() == 1:
            self._purchase(day, coordinator)
        self._transfer(day, coordinator)
        if day.weekday() == 4:
            self._kits(day, coordinator)
        if day.weekday() == 5:
            self._count(day, coordinator)

    def _random_line(self, categories: list[str], day: dt.date) -> IntakeLine:
        item = self.rng.choice(self.by_category[self.rng.choice(categories)])
        expiry = None
        if item.tracks_expiry:
            soon = self.rng.random() < 0.15
            expiry = day + dt.timedelta(
                days=self.rng.randint(10, 45) if soon else self.rng.randint(90, 540)
            )
        size = self.rng.choice(item.sizes) if item.tracks_size and item.sizes else ""
        condition = "used" if item.tracks_size and self.rng.random() < 0.3 else "new"
        quantity = self.rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20])
        return IntakeLine(item, quantity, expiry=expiry, size=size, condition=condition)

    def _donation(self, day: dt.date, slug: str, by, profile: str) -> None:
        categories = INTAKE_CATEGORIES[profile]
        lines = [self._random_line(categories, day) for _ in range(self.rng.randint(1, 6))]
        point, donor = self.points[slug], self.rng.choice(DONORS)
        self._post(
            self._at(day, self.rng.randint(10, 19)),
            lambda: services.post_donation(point=point, lines=lines, by=by, donor=donor),
        )

    def _purchase(self, day: dt.date, by) -> None:
        lines = []
        for code, cost in [("rice-1kg", 690), ("buckwheat-1kg", 790), ("sunflower-oil-1l", 1100),
                           ("pasta-500g", 450), ("soap-bar-100g", 250)]:  # fmt: skip
            item = Item.objects.get(code=code)
            expiry = day + dt.timedelta(days=365) if item.tracks_expiry else None
            lines.append(
                IntakeLine(item, self.rng.choice([50, 100]), expiry=expiry, unit_cost=cost)
            )
        point = self.points["fb-warehouse"]
        self._post(
            self._at(day, 9),
            lambda: services.post_purchase(
                point=point, lines=lines, by=by, supplier="Yerevan City supermarket"
            ),
        )

    def _transfer(self, day: dt.date, by) -> None:
        """Move part of the day's stock from the coworking point to the warehouse."""
        source, target = self.points["coworking"], self.points["fb-warehouse"]
        lots = list(Lot.objects.at(source).in_stock().select_related("balance")[:200])
        if not lots:
            return
        chosen = self.rng.sample(lots, min(len(lots), self.rng.randint(3, 8)))
        lines = [LotLine(lot, max(1, lot.balance.quantity // 2)) for lot in chosen]
        draft = self._post(
            self._at(day, 18),
            lambda: services.create_transfer(source=source, destination=target, lines=lines, by=by),
        )
        if draft is None:
            return
        sent = self._post(self._at(day, 19), lambda: services.send_transfer(transfer=draft, by=by))
        if sent is None or day >= timezone.localdate() - dt.timedelta(days=2):
            return  # the last ones are still in transit
        received = {}
        for line in sent.lines.all():
            if self.rng.random() < 0.1:
                received[line.pk] = max(0, line.quantity - 1)  # one went missing on the way
        Document.objects.filter(pk=sent.pk).update(created_at=self._at(day, 19))
        self._post(
            self._at(day + dt.timedelta(days=1), 10),
            lambda: services.receive_transfer(transfer=sent, received=received, by=by),
        )
        Document.objects.filter(pk=sent.pk).update(
            created_at=self._at(day, 19), received_at=self._at(day + dt.timedelta(days=1), 10)
        )

    def _kits(self, day: dt.date, by) -> None:
        point = self.points["fb-warehouse"]
        for code in ("kit-family-hygiene", "kit-school"):
            kit = Item.objects.get(code=code)
            self._post(
                self._at(day, 15),
                lambda kit=kit: services.build_kit(
                    point=point, kit=kit, quantity=self.rng.randint(1, 3), by=by
                ),
            )

    def _count(self, day: dt.date, by) -> None:
        point = self.points["fb-warehouse"]
        lots = list(
            Lot.objects.at(point)
            .in_stock()
            .filter(Q(item__category__code="food") | Q(item__category__code="hygiene"))
            .select_related("balance")[:15]
        )
        lines = []
        for lot in lots:
            found = lot.balance.quantity
            if self.rng.random() < 0.2:
                found = max(0, found + self.rng.choice([-2, -1, 1]))
            lines.append(CountLine(found, lot=lot, reason=""))
        if lines:
            self._post(
                self._at(day, 17),
                lambda: services.post_count(point=point, lines=lines, by=by, reason="Weekly count"),
            )


def _before_now(when: dt.datetime, rng: random.Random) -> dt.datetime:
    """`when`, or a random moment between today's start and a minute ago if it lies ahead."""
    now = timezone.now()
    if when < now - dt.timedelta(minutes=1):
        return when
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))
    past = max(60.0, (now - start).total_seconds())
    return now - dt.timedelta(seconds=rng.uniform(60.0, past))


def _serve_households(*, users: dict, rng: random.Random, days: int) -> int:
    """Hand what is due to some of the food bank's households at its collection point."""
    from kamavor.distribution.services import record_distribution

    point = Point.objects.get(slug="malatia")
    _stock_for_standards(point, users["coordinator"], days)
    households = list(Household.objects.filter(organisation=point.organisation).order_by("pk"))
    served = 0
    for household in rng.sample(households, min(len(households), 120)):
        lines = []
        for due in dues_for(household)[:6]:
            if due.due <= 0:
                continue
            picks = services.suggest_picks(point=point, item=due.item, quantity=due.due)
            lines += [LotLine(lot, quantity) for lot, quantity in picks]
        if not lines:
            continue
        when = _before_now(
            timezone.now() - dt.timedelta(days=rng.randint(0, days), hours=rng.randint(0, 8)), rng
        )
        try:
            document = record_distribution(
                point=point,
                household=household,
                lines=lines,
                by=users["volunteer"],
                idempotency_key=None,
            )
        except KamavorError:
            continue
        Document.objects.filter(pk=document.pk).update(created_at=when)
        Movement.objects.filter(document=document).update(at=when)
        served += 1
    return served


def _stock_for_standards(point: Point, by, days: int) -> None:
    """A shipment of what the standards give out, as a partner food bank would send."""
    lines = []
    for item in Item.objects.filter(standards__active=True).distinct():
        expiry = timezone.localdate() + dt.timedelta(days=300) if item.tracks_expiry else None
        sizes = item.sizes if item.tracks_size and item.sizes else [""]
        for size in sizes:
            lines.append(IntakeLine(item, 600 // len(sizes) + 20, expiry=expiry, size=size))
    document = services.post_donation(
        point=point, lines=lines, by=by, donor="Partner food bank shipment"
    )
    when = timezone.now() - dt.timedelta(days=days + 1)
    Document.objects.filter(pk=document.pk).update(created_at=when)
    Movement.objects.filter(document=document).update(at=when)


def _ask(*, users: dict, rng: random.Random) -> None:
    """A few open requests: households asking at the desk, and a partner for its shelter."""
    items = {i.code: i for i in Item.objects.filter(is_kit=False)}
    wanted = [
        "winter-jacket-child",
        "winter-boots-child",
        "blanket-wool",
        "nappies",
        "formula-stage1-400g",
        "electric-heater-2kw",
        "paracetamol-child-suspension",
    ]
    point = Point.objects.get(slug="coworking")
    households = list(Household.objects.filter(organisation=point.organisation)[:200])
    for household in rng.sample(households, min(len(households), 25)):
        item = items.get(rng.choice(wanted))
        if item is None:
            continue
        size = rng.choice(item.sizes) if item.tracks_size and item.sizes else ""
        with contextlib.suppress(KamavorError):
            create_request(
                by=users["volunteer"],
                household=household,
                lines=[LineIn(quantity=rng.randint(1, 3), item=item, size=size)],
                urgency=rng.choice(list(Request.Urgency.values)),
                reason="",
            )
    shelter = Point.objects.get(slug="goris-school")
    lines = [
        LineIn(quantity=q, item=items[c])
        for c, q in [("blanket-wool", 40), ("bed-linen-single", 30), ("electric-heater-2kw", 6)]
        if c in items
    ]
    with contextlib.suppress(KamavorError):
        create_request(
            by=users["partner"],
            shelter=shelter,
            lines=lines,
            number_of_people=85,
            urgency=Request.Urgency.HIGH,
            reason="New families arrived this week",
        )


def _point_texts(slug: str) -> dict[str, str]:
    """The point's name, address and hours in Armenian and Russian, as model fields."""
    fields = {}
    for language, (name, address, hours) in POINT_TEXTS.get(slug, {}).items():
        fields[f"name_{language}"] = name
        fields[f"address_{language}"] = address
        fields[f"opening_hours_{language}"] = hours
    return fields
