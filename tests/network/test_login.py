"""Signing in and out, and the member's language."""

from __future__ import annotations

from django.conf import settings

from tests.factories import PASSWORD


def test_it_logs_in_and_takes_the_members_language(client, w):
    from kamavor.network.models import Member

    Member.objects.filter(user=w.volunteer).update(language="ru")
    response = client.post("/login/", {"username": w.volunteer.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = client.get(response.url, follow=True).content.decode()
    assert 'lang="ru"' in page


def test_a_wrong_password_is_refused_clearly(client, w):
    response = client.post("/login/", {"username": w.volunteer.username, "password": "nope"})
    assert response.status_code == 200
    assert "not right" in response.content.decode()


def test_logout_needs_a_post_and_ends_the_session(client, w):
    client.force_login(w.volunteer)
    assert client.post("/logout/").status_code == 302
    assert client.get("/desk/").status_code == 302


def test_the_language_switcher_changes_the_page_language(client, w):
    client.force_login(w.volunteer)
    client.post("/i18n/setlang/", {"language": "hy", "next": "/desk/"})
    page = client.get("/desk/?all=1").content.decode()
    assert 'lang="hy"' in page
