"""Every desk page as anonymous, outsider, partner, volunteer and coordinator (NetBox style)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.stock import services
from kamavor.stock.models import Lot
from kamavor.stock.services import IntakeLine
from tests.exchange.helpers import waiting_submission

OK, LOGIN, HIDDEN, REFUSED = 200, 302, 404, 403

# url name, kwargs builder, expected status per persona
PAGES = [
    ("home", lambda w, d: {}, {"outsider": (OK, 302), "partner": 302, "volunteer": (OK, 302)}),
    ("stock:intake", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("stock:point_stock", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("stock:point_item", lambda w, d: {"point_id": w.point.pk, "item_id": w.soap.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("stock:expiry", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("stock:lot", lambda w, d: {"point_id": w.point.pk, "lot_id": d["lot"].pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("stock:document", lambda w, d: {"document_id": d["document"].pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("stock:organisation_stock", lambda w, d: {},
     {"outsider": OK, "partner": OK, "volunteer": OK, "coordinator": OK}),
    # Accounts: every member has their own page; lock-down is the organisation admin's.
    ("accounts:account", lambda w, d: {},
     {"outsider": OK, "partner": OK, "volunteer": OK, "coordinator": OK}),
    ("accounts:password", lambda w, d: {},
     {"outsider": OK, "partner": OK, "volunteer": OK, "coordinator": OK}),
    ("accounts:setup", lambda w, d: {},
     {"outsider": OK, "partner": OK, "volunteer": OK, "coordinator": OK}),
    # Passed already (or nothing to pass): straight on to the desks.
    ("accounts:verify", lambda w, d: {},
     {"outsider": 302, "partner": 302, "volunteer": 302, "coordinator": 302}),
    ("accounts:lockdown", lambda w, d: {"organisation_id": w.org.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": REFUSED}),
    # The catalogue is the whole network's: every member who works with stock reads it (the
    # outsider is a coordinator elsewhere in the network); coordinators change it.
    ("catalogue:items", lambda w, d: {},
     {"outsider": OK, "partner": HIDDEN, "volunteer": OK, "coordinator": OK}),
    ("catalogue:item", lambda w, d: {"item_id": w.soap.pk},
     {"outsider": OK, "partner": HIDDEN, "volunteer": OK, "coordinator": OK}),
    ("catalogue:item_new", lambda w, d: {},
     {"outsider": OK, "partner": HIDDEN, "volunteer": REFUSED, "coordinator": OK}),
    # Offline desks: the sync feeds are the desk's; held writes are a coordinator's to decide.
    ("offline:changes", lambda w, d: {"point_id": w.point.pk, "feed": "lots"},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("offline:changes", lambda w, d: {"point_id": w.point.pk, "feed": "households"},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("offline:review", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    # Field data: coordinators review their organisation's submissions and import files.
    ("exchange:queue", lambda w, d: {},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("exchange:imports", lambda w, d: {},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("exchange:submission_page", lambda w, d: {"submission_id": waiting_submission(w).pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    # The review queue of probable duplicates: coordinators, each of their own organisation.
    ("households:review", lambda w, d: {},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    # Reports: a list's export is seen by whoever sees the list; personal fields by coordinators.
    ("reports:export_at_point", lambda w, d: {"point_id": w.point.pk, "key": "stock", "fmt": "csv"},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("reports:export_at_point",
     lambda w, d: {"point_id": w.point.pk, "key": "shifts", "fmt": "xlsx"},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("reports:export_list", lambda w, d: {"key": "households", "fmt": "csv"},
     {"outsider": OK, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("reports:export_list", lambda w, d: {"key": "plans", "fmt": "csv"},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("reports:personal", lambda w, d: {},
     {"outsider": OK, "partner": HIDDEN, "volunteer": HIDDEN, "coordinator": OK}),
    ("reports:point_dashboard", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("reports:organisation_dashboard", lambda w, d: {"organisation_id": w.org.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("reports:network_dashboard", lambda w, d: {},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("reports:monthly", lambda w, d: {"organisation_id": w.org.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("reports:receipt", lambda w, d: {"document_id": d["document"].pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("reports:delivery_history", lambda w, d: {},
     {"outsider": OK, "partner": OK, "volunteer": OK, "coordinator": OK}),
]  # fmt: skip


def _shelter(w):
    """A shelter point of the organisation (no partner linked to it) for the shelters' rows."""
    from kamavor.network.models import Point
    from tests.factories import make_point

    found = Point.objects.filter(organisation=w.org, kind=Point.Kind.SHELTER).first()
    return found or make_point(w.org, "Matrix shelter", Point.Kind.SHELTER)


# Shelters: the board and the desk are every coordinator's (the outsider is one elsewhere); a
# shelter and its residents are its organisation's coordinators' and linked partners' only.
PAGES += [
    ("shelters:index", lambda w, d: {},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("shelters:board", lambda w, d: {},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("shelters:desk", lambda w, d: {},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("shelters:shelter", lambda w, d: {"point_id": _shelter(w).pk},
     {"outsider": HIDDEN, "partner": HIDDEN, "volunteer": REFUSED, "coordinator": OK}),
    ("shelters:residents", lambda w, d: {"point_id": _shelter(w).pk},
     {"outsider": HIDDEN, "partner": HIDDEN, "volunteer": REFUSED, "coordinator": OK}),
    # Money: coordinators, admins and treasurers of the organisation (the outsider handles
    # their own organisation's money, so the overview answers them with nothing of ours).
    ("money:index", lambda w, d: {},
     {"outsider": OK, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("money:fund", lambda w, d: {"fund_id": _money(w)["fund"].pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("money:record", lambda w, d: {"record_id": _money(w)["record"].pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("money:receipt", lambda w, d: {"record_id": _money(w)["record"].pk, "lang": "hy"},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    *[(f"money:{name}", lambda w, d: {"organisation_id": w.org.pk},
       {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK})
      for name in ("fund_new", "donation_new", "spending_new", "transfer_new", "advance_new",
                   "cash", "rates", "values")],
    # Sorting: the door and the station are the intake volunteers' desks.
    ("sorting:desk", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("sorting:station", lambda w, d: {"drop_off_id": _drop_off(w).pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("sorting:tags", lambda w, d: {"drop_off_id": _drop_off(w).pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("sorting:pace", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
    ("sorting:upload", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("sorting:containers", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("sorting:container", lambda w, d: {"container_id": _container(w).pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    ("sorting:label", lambda w, d: {"container_id": _container(w).pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": OK, "coordinator": OK}),
    # Money: the fund purchase desk (buy at the point, and handle the organisation's money).
    ("money:purchase", lambda w, d: {"point_id": w.point.pk},
     {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED, "coordinator": OK}),
]  # fmt: skip


def _drop_off(w):
    """The point's one drop-off, recorded the first time a row asks for it."""
    from kamavor.sorting.models import DropOff
    from kamavor.sorting.services import record_drop_off

    found = DropOff.objects.filter(point=w.point).first()
    return found or record_drop_off(point=w.point, bags=2, by=w.volunteer)


def _container(w):
    """The point's one container, made the first time a row asks for it."""
    from kamavor.stock.models import Container

    found = Container.objects.filter(point=w.point).first()
    return found or services.create_container(point=w.point, by=w.volunteer)


@pytest.fixture
def docs(w):
    document = services.post_donation(point=w.point, lines=[IntakeLine(w.soap, 3)], by=w.volunteer)
    return {"document": document, "lot": Lot.objects.get(item=w.soap, point=w.point)}


def _expect(expected, persona):
    value = expected.get(persona, OK)
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize(("name", "kwargs", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_for_each_persona(client, w, docs, name, kwargs, expected):
    url = reverse(name, kwargs=kwargs(w, docs))
    response = client.get(url)
    assert response.status_code == LOGIN and "/login/" in response.url
    for persona in ("outsider", "partner", "volunteer", "coordinator"):
        client.force_login(getattr(w, persona))
        status = client.get(url).status_code
        assert status in _expect(expected, persona), (persona, url, status)
        client.logout()


def test_the_outsider_never_sees_our_stock_in_the_organisation_view(client, w, docs):
    client.force_login(w.outsider)
    page = client.get(reverse("stock:organisation_stock")).content.decode()
    assert w.point.name not in page and w.soap.name_en not in page


def test_the_admin_may_lock_down_their_own_organisation_only(client, w):
    client.force_login(w.admin)
    assert client.get(reverse("accounts:lockdown", args=[w.org.pk])).status_code == OK
    assert client.get(reverse("accounts:lockdown", args=[w.other_org.pk])).status_code == HIDDEN


ACCOUNT_WRITES = [
    ("accounts:recovery_codes", {}),
    ("accounts:end_session", {"record_id": 1}),
    ("accounts:end_other_sessions", {}),
    ("accounts:new_token", {}),
    ("accounts:end_token", {"token_id": 1}),
    ("accounts:lockdown", {"organisation_id": 1}),
    ("accounts:password", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), ACCOUNT_WRITES, ids=[a[0] for a in ACCOUNT_WRITES])
def test_account_writes_need_a_login_and_the_second_factor(client, w, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.post(url)
    assert response.status_code == LOGIN and "/login/" in response.url
    client.force_login(w.coordinator, verified=False)
    response = client.post(url)
    assert response.status_code == LOGIN and "/account/two-factor/" in response.url


def test_writes_refuse_the_outsider_and_anonymous(client, w, docs):
    posts = [
        reverse("stock:intake_add", args=[w.point.pk]),
        reverse("stock:intake_post", args=[w.point.pk]),
        reverse("stock:reverse", args=[docs["document"].pk]),
        reverse("stock:dispose_lot", args=[w.point.pk, docs["lot"].pk]),
    ]
    for url in posts:
        assert client.post(url, {"item": w.soap.pk, "quantity": 1}).status_code == LOGIN
    client.force_login(w.outsider)
    for url in posts:
        assert client.post(url, {"item": w.soap.pk, "quantity": 1}).status_code == HIDDEN, url
    client.force_login(w.volunteer)
    dispose = reverse("stock:dispose_lot", args=[w.point.pk, docs["lot"].pk])
    assert client.post(dispose, {"quantity": 1, "reason": "x"}).status_code == REFUSED
    assert Lot.objects.get(pk=docs["lot"].pk).balance.quantity == 3


def _money(w) -> dict:
    """A fund of the world's organisation with one donation (made once per test)."""
    from kamavor.money import services as money
    from kamavor.money.models import Fund, Record

    fund = Fund.objects.filter(organisation=w.org, name="Matrix").first()
    if fund is None:
        fund = money.create_fund(organisation=w.org, name="Matrix", currency="AMD", by=w.admin)
        money.post_money_donation(fund=fund, amount="10", currency="AMD", method="bank", by=w.admin)
    return {"fund": fund, "record": Record.objects.filter(kind="donation").first()}


def test_the_treasurer_handles_money_and_nothing_of_households(client, w, docs):
    from kamavor.network.models import Member
    from tests.factories import make_member

    treasurer = make_member(w.org, "matrix-treasurer", Member.Role.TREASURER)
    client.force_login(treasurer)
    money = _money(w)
    for url in (
        reverse("money:index"),
        reverse("money:fund", args=[money["fund"].pk]),
        reverse("money:donation_new", args=[w.org.pk]),
        reverse("money:receipt", args=[money["record"].pk, "ru"]),
        reverse("stock:point_stock", args=[w.point.pk]),
    ):
        assert client.get(url).status_code == OK, url
    for url in (
        reverse("money:advance_new", args=[w.org.pk]),  # an advance is a coordinator's call
        reverse("stock:intake", args=[w.point.pk]),
        reverse("households:index"),
    ):
        assert client.get(url).status_code == REFUSED, url
    assert client.get(reverse("money:cash", args=[w.other_org.pk])).status_code == HIDDEN


def test_money_writes_refuse_the_outsider_and_anonymous(client, w):
    money = _money(w)
    posts = [
        reverse("money:donation_new", args=[w.org.pk]),
        reverse("money:reverse", args=[money["record"].pk]),
        reverse("money:spending_new", args=[w.org.pk]),
    ]
    body = {"fund": money["fund"].pk, "amount": "5", "method": "bank", "purpose": "x"}
    for url in posts:
        assert client.post(url, body).status_code == LOGIN
    for persona, status in (("outsider", HIDDEN), ("volunteer", REFUSED), ("partner", REFUSED)):
        client.force_login(getattr(w, persona))
        for url in posts:
            assert client.post(url, body).status_code == status, (persona, url)
    from kamavor.money.models import FundBalance

    assert FundBalance.objects.get(fund=money["fund"]).amount == 1000
