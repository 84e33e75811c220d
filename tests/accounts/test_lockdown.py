"""An organisation admin's lock-down: every session and token of every member ends."""

from __future__ import annotations

from django.urls import reverse

from kamavor.network.models import ApiToken
from kamavor.network.services import create_token, user_for_token
from kamavor.privacy.models import AuditEntry
from tests.factories import desk


def test_an_admin_ends_every_session_and_token_of_the_organisation(w):
    admin = desk(w.admin)
    admin_phone = desk(w.admin)
    volunteer, coordinator, outsider = desk(w.volunteer), desk(w.coordinator), desk(w.outsider)
    tokens = {u: create_token(user=u, name="t") for u in (w.volunteer, w.partner, w.outsider)}
    url = reverse("accounts:lockdown", args=[w.org.pk])
    page = admin.get(url)
    assert page.status_code == 200 and "Lock down now" in page.content.decode()
    # Without the confirmation nothing happens.
    assert admin.post(url, {}).status_code == 200
    assert volunteer.get("/desk/?all=1").status_code == 200

    response = admin.post(url, {"confirm": "on"})
    assert response.status_code == 302
    for client in (volunteer, coordinator, admin_phone):
        assert client.get("/desk/?all=1").status_code == 302
    assert admin.get("/desk/?all=1").status_code == 200  # the admin's own session stays
    assert user_for_token(tokens[w.volunteer]) is None
    assert user_for_token(tokens[w.partner]) is None
    # Another organisation is untouched.
    assert outsider.get("/desk/?all=1").status_code == 200
    assert user_for_token(tokens[w.outsider]) == w.outsider
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOCKDOWN)
    assert entry.user == w.admin and entry.organisation == w.org and entry.household is None
    assert "tokens: 2" in entry.note
    assert ApiToken.objects.filter(user=w.outsider, revoked=False).count() == 1


def test_only_the_organisations_admin_may(w):
    url = reverse("accounts:lockdown", args=[w.org.pk])
    assert desk().get(url)["Location"].startswith("/login/")
    assert desk(w.outsider).get(url).status_code == 404
    for persona in (w.coordinator, w.volunteer, w.partner):
        assert desk(persona).post(url, {"confirm": "on"}).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOCKDOWN).exists()


def test_the_lockdown_is_shown_in_the_audit_log(w):
    admin = desk(w.admin)
    admin.post(reverse("accounts:lockdown", args=[w.org.pk]), {"confirm": "on"})
    page = admin.get(reverse("households:audit")).content.decode()
    assert "locked down" in page
