"""Invariants: answers survive the review form's round trip and the XML parser, and a set of
instances sent in any order, any number of times, is written exactly once each."""

from __future__ import annotations

import threading
from xml.sax.saxutils import escape

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.exchange.instances import parse_instance
from kamavor.exchange.models import Submission
from kamavor.exchange.views import flatten, unflatten
from kamavor.households.models import Household
from tests.exchange.helpers import Phone, household_xml

names = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True).filter(lambda n: n != "line")
answers = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), max_size=30
)


@given(
    st.dictionaries(names, answers, max_size=6),
    st.lists(st.dictionaries(names, answers, min_size=1, max_size=3), max_size=3),
)
def test_answers_survive_the_xml_and_the_review_form(fields, lines):
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    body += "".join(
        "<line>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in line.items()) + "</line>"
        for line in lines
    )
    xml = f'<data id="f">{body}<meta><instanceID>uuid:1</instanceID></meta></data>'
    values = parse_instance(xml.encode()).values
    expected = {k: v.strip() for k, v in fields.items()}
    if lines:
        expected["line"] = [{k: v.strip() for k, v in line.items()} for line in lines]
    assert values == expected
    assert unflatten(flatten(values)) == values


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=8))
def test_instances_sent_in_any_order_and_again_count_once(w, order):
    phone = Phone(w.org, w.volunteer)
    Submission.objects.all().delete()  # each example starts afresh (one database per test)
    Household.objects.all().delete()
    for n in order:
        assert phone.submit(household_xml(f"uuid:prop-{n}", male_60=str(n))).status_code == 201
    assert Submission.objects.count() == len(set(order))
    assert Household.objects.count() == len(set(order))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
def test_the_same_instance_sent_by_two_phones_at_once_is_written_once():
    from tests.factories import build_world

    w = build_world()
    xml = household_xml("uuid:race")
    statuses = []
    barrier = threading.Barrier(4)

    def send():
        barrier.wait()
        statuses.append(Phone(w.org, w.volunteer).submit(xml).status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    assert Submission.objects.count() == 1 and Household.objects.count() == 1
