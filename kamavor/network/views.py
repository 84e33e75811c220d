"""Signing in: the member's language becomes the page language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.utils import translation

from kamavor.network.models import Member


class LoginView(auth_views.LoginView):
    template_name = "network/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        language = (
            Member.objects.filter(user=form.get_user()).values_list("language", flat=True).first()
        )
        if language and not self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            translation.activate(language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
            )
        return response
