"""Every desk page as anonymous, outsider, partner, volunteer and coordinator (NetBox style)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.stock import services
from kamavor.stock.models import Lot
from kamavor.stock.services import IntakeLine

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
