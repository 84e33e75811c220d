"""`kamavor plan`: run (and accept) a plan from the console."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kamavor.allocation.models import Plan
from kamavor.stock.services import IntakeLine
from tests.allocation.test_plans import household, soap_rule
from tests.factories import donate

pytestmark = pytest.mark.django_db


def test_it_runs_and_accepts_a_plan(w):
    soap_rule(1)
    household(w)
    donate(w, IntakeLine(w.soap, 1))
    out = io.StringIO()
    call_command("plan", w.coordinator.username, w.org.slug, "--accept", stdout=out)
    plan = Plan.objects.get()
    assert plan.status == Plan.Status.ACCEPTED
    assert f"plan #{plan.pk} (accepted): 1 of 2 units for 1 need lines" in out.getvalue()


def test_it_refuses_who_may_not_and_what_is_not(w):
    with pytest.raises(CommandError):
        call_command("plan", w.volunteer.username, w.org.slug)
    with pytest.raises(CommandError):
        call_command("plan", w.outsider.username, w.org.slug)
    with pytest.raises(CommandError):
        call_command("plan", w.coordinator.username, w.org.slug, "--point", w.other_point.slug)
    with pytest.raises(CommandError):
        call_command("plan", w.coordinator.username, "no-such-org")
    assert not Plan.objects.exists()
