"""The hand-written statements' helpers (kamavor.core.rows) give what they promise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.core import rows

pytestmark = pytest.mark.django_db

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


def test_an_array_literal_reads_as_postgresql_writes_them():
    literal = rows.array([1, None, 'say "hi"', "back\\slash", "NULL", "{,}", True, Decimal("1.50")])
    assert literal == '{1,NULL,"say \\"hi\\"","back\\\\slash","NULL","{,}",t,1.50}'
    when = dt.datetime(2026, 9, 25, 7, 30, tzinfo=dt.UTC)
    assert rows.array([dt.date(2026, 9, 25), when]) == '{"2026-09-25","2026-09-25T07:30:00+00:00"}'
    with pytest.raises(TypeError):
        rows.array([object()])


@pytest.mark.postgres_only
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(st.one_of(st.none(), TEXT), max_size=8),
    numbers=st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), max_size=8),
    days=st.lists(st.dates(), max_size=5),
)
def test_postgresql_reads_back_every_array_as_it_was(texts, numbers, days):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::bigint[], %s::date[]",
            [rows.array(texts), rows.array(numbers), rows.array(days)],
        )
        assert cursor.fetchone() == (texts, numbers, days)


def test_one_of_keeps_the_rows_whose_column_is_among_the_values():
    from tests.factories import make_org

    orgs = [make_org(f"One of {n}") for n in range(4)]
    wanted = [orgs[0].pk, orgs[2].pk]
    among, params = rows.one_of("id", wanted)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM network_organisation WHERE {among} ORDER BY id", params)
        assert [pk for (pk,) in cursor.fetchall()] == wanted
    if connection.vendor == "postgresql":  # one statement's text whatever the count
        assert rows.one_of("id", [1])[0] == rows.one_of("id", [1, 2, 3])[0]
