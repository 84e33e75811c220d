"""Demo field data: a few forms sent as phones send them (through the OpenRosa service), one of
which waits in the review queue. Their instanceIDs are fixed, so running the demo again sends
them again and, as for a phone, nothing is written twice."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from kamavor.exchange.services import receive_submission
from kamavor.network.models import Organisation, Point


def _xml(form_id: str, n: int, body: str) -> bytes:
    instance_id = f"uuid:00000000-0000-4000-8000-{n:012d}"
    return (
        f'<data id="{form_id}" version="demo">{body}'
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def build_field_data(*, organisation_slug: str, volunteer: str, partner: str) -> int:
    """Send the demo's forms; the number of submissions waiting for review."""
    users = get_user_model().objects
    organisation = Organisation.objects.get(slug=organisation_slug)
    point = Point.objects.filter(organisation=organisation, kind="collection").first()
    by = users.get(username=volunteer)
    forms = [
        _xml("household", 1, "<female_18_59>1</female_18_59><female_3_5>2</female_3_5>"
             "<flags>single_caregiver</flags><languages>hy ru</languages><personal>no</personal>"),
        _xml("intake", 2, f"<point>{point.slug}</point><line><item>pasta-500g</item>"
             "<quantity>-3</quantity></line>"),  # a negative count: waits for review
    ]  # fmt: skip
    for xml in forms:
        receive_submission(organisation=organisation, by=by, xml=xml)
    shelter = Point.objects.filter(kind="shelter", organisation__members__user__username=partner)
    shelter = shelter.first()
    if shelter is not None:
        receive_submission(
            organisation=shelter.organisation,
            by=users.get(username=partner),
            xml=_xml("headcount", 3, f"<shelter>{shelter.slug}</shelter><people>64</people>"),
        )
    from kamavor.exchange.models import Submission

    return Submission.objects.filter(status="review").count()
