"""GET /points and /points/{id}: a member sees the points of their own organisations."""

from __future__ import annotations

from tests.api.conftest import assert_error
from tests.factories import make_point


def test_it_lists_the_points_of_my_organisations(w, api):
    response = api(w.volunteer).get("/points")
    assert response.status_code == 200
    points = {p["id"]: p for p in response.json()}
    assert set(points) == {w.point.pk, w.warehouse.pk}
    assert points[w.point.pk]["organisation_name"] == "Yerevan Food Bank"
    assert points[w.warehouse.pk]["kind"] == "warehouse"


def test_it_leaves_out_inactive_points(w, api):
    closed = make_point(w.org, "Closed school")
    closed.active = False
    closed.save(update_fields=["active"])
    ids = [p["id"] for p in api(w.coordinator).get("/points").json()]
    assert closed.pk not in ids


def test_the_outsider_sees_only_their_own_points(w, api):
    ids = [p["id"] for p in api(w.outsider).get("/points").json()]
    assert ids == [w.other_point.pk]


def test_a_partner_sees_no_stock_points(w, api):
    assert api(w.partner).get("/points").json() == []
    assert_error(api(w.partner).get(f"/points/{w.point.pk}"), 403, "forbidden")


def test_it_shows_one_point(w, api):
    response = api(w.volunteer).get(f"/points/{w.point.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "Coworking hub"


def test_another_organisations_point_is_not_found(w, api):
    assert_error(api(w.outsider).get(f"/points/{w.point.pk}"), 404, "not_found")
    assert_error(api(w.coordinator).get(f"/points/{w.other_point.pk}"), 404, "not_found")
    assert_error(api(w.coordinator).get("/points/987654"), 404, "not_found")


def test_it_refuses_anonymous_requests(w, api):
    assert_error(api().get("/points"), 401, "unauthenticated")
    assert_error(api().get(f"/points/{w.point.pk}"), 401, "unauthenticated")


def test_the_list_takes_a_fixed_number_of_queries(w, api, django_assert_max_num_queries):
    for n in range(5):
        make_point(w.org, f"Extra point {n}")
    client = api(w.coordinator)
    client.get("/points")  # the token's first use is recorded once
    with django_assert_max_num_queries(3):
        assert len(client.get("/points").json()) == 7
