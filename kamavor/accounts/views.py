"""Account pages: sign in (password, then the second factor), set up the second factor, and the
member's own page: password, sessions, API tokens, and an admin's lock-down."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kamavor.accounts import phones, second_factor, services, sessions, throttle
from kamavor.accounts.forms import CodeForm, LockDownForm, LoginForm, TokenForm, locked_message
from kamavor.core.proxy import client_address
from kamavor.network.access import Action, may, needs_second_factor, organisations_for
from kamavor.network.models import ApiToken, Member, Organisation
from kamavor.network.services import create_token, revoke_token


def _next(request: HttpRequest) -> str:
    """Where to go after signing in: the asked page if it is on this site, else the desks."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next(request)})}"


class LoginView(auth_views.LoginView):
    """The password first; a member with a second factor (or whose role needs one) gives their
    code next. The member's language becomes the page language."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        response = super().form_valid(form)
        if second_factor.has_device(user) or needs_second_factor(user):
            response = redirect(_with_next("accounts:verify", self.request))
        else:
            throttle.forgive(user.get_username(), client_address(self.request))
        language = Member.objects.filter(user=user).values_list("language", flat=True).first()
        if language and not self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            translation.activate(language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
            )
        return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Sign-in, second step: a code from the authenticator app, or a recovery code."""
    if second_factor.is_verified(request):
        return redirect(_next(request))
    if not second_factor.has_device(request.user):
        return redirect(_with_next("accounts:setup", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, address = request.user.get_username(), client_address(request)
        until = throttle.locked_until(username, address)
        if until is None:
            device = second_factor.verify(user=request.user, code=form.cleaned_data["code"])
            if device is not None:
                second_factor.mark_verified(request, device)
                throttle.forgive(username, address)
                return redirect(_next(request))
            throttle.record_failure(username, address)
            until = throttle.locked_until(username, address)
        if until is not None:
            form.add_error(None, locked_message(until))
        else:
            form.add_error("code", _("This code is not right. Try the newest one."))
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: a QR code (and the same secret as text), confirmed by a
    code; then the recovery codes, shown once. Replacing one needs the current one first."""
    if not second_factor.is_verified(request) and second_factor.has_device(request.user):
        return redirect(_with_next("accounts:verify", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = second_factor.confirm_setup(user=request.user, code=form.cleaned_data["code"])
        if done is not None:
            device, codes = done
            second_factor.mark_verified(request, device)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("code", _("This code is not right. Check the clock of your phone."))
    context = {
        "form": form,
        "setup": second_factor.start_setup(request.user),
        "next": _next(request),
        "required": needs_second_factor(request.user),
    }
    return render(request, "accounts/setup.html", context)


@never_cache
@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    if not second_factor.has_device(request.user):
        return redirect("accounts:setup")
    codes = second_factor.new_recovery_codes(user=request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse("accounts:account")},
    )


def _lockdown_organisations(user) -> list[Organisation]:
    ids = [org for org in organisations_for(user) if may(user, org, Action.LOCK_DOWN)]
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


@never_cache
@login_required
def account(
    request: HttpRequest, new_token: str | None = None, token_form=None, phone=None
) -> HttpResponse:
    """The member's own page: second factor, sessions, API tokens, field phones."""
    user = request.user
    context = {
        "has_device": second_factor.has_device(user),
        "codes_left": second_factor.recovery_codes_left(user),
        "second_factor_required": needs_second_factor(user),
        "sessions": sessions.sessions_of(user, current_key=request.session.session_key),
        "tokens": ApiToken.objects.active().filter(user=user).order_by("-created_at"),
        "token_form": token_form or TokenForm(),
        "new_token": new_token,
        "phone": phone,
        "phone_servers": phones.servers_for(request, user),
        "phone_token_name": phones.PHONE_TOKEN_NAME,
        "lockdown_organisations": _lockdown_organisations(user),
    }
    return render(request, "accounts/account.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    """Change one's own password, checked by the password validators."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = services.change_password(request=request, form=form)
        messages.success(request, _("Your password is changed."))
        if ended:
            messages.info(request, _("Your other sessions were ended: sign in there again."))
        return redirect("accounts:account")
    return render(request, "accounts/password.html", {"form": form})


@login_required
@require_POST
def end_session(request: HttpRequest, record_id: int) -> HttpResponse:
    if not sessions.end_session(
        user=request.user, record_id=record_id, current_key=request.session.session_key
    ):
        raise Http404
    messages.success(request, _("That session is ended."))
    return redirect("accounts:account")


@login_required
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    ended = sessions.end_sessions(user_ids=[request.user.pk], keep_key=request.session.session_key)
    messages.success(request, _("Every other session is ended (%(n)d).") % {"n": ended})
    return redirect("accounts:account")


@never_cache
@login_required
@require_POST
def new_token(request: HttpRequest) -> HttpResponse:
    """A new API token for oneself, shown once on the page; made for a phone (`phone_for` names
    the organisation), it comes with the server address and ODK Collect's settings QR code."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return account(request, token_form=form)
    token = create_token(
        user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
    )
    slug = request.POST.get("phone_for", "")
    phone = phones.phone_setup(request, slug=slug, token=token) if slug else None
    return account(request, new_token=token, phone=phone)


@login_required
@require_POST
def end_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if not revoke_token(user=request.user, token_id=token_id):
        raise Http404
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:account")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lockdown(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """An organisation admin ends every session and token of every member, after confirming."""
    organisation = next(
        (o for o in _lockdown_organisations(request.user) if o.pk == organisation_id), None
    )
    if organisation is None:
        if organisation_id in organisations_for(request.user):
            raise PermissionDenied
        raise Http404
    form = LockDownForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = services.lock_down(
            organisation=organisation,
            by=request.user,
            keep_session_key=request.session.session_key,
        )
        messages.success(
            request,
            _(
                "Locked down: %(sessions)d sessions and %(tokens)d API tokens of %(organisation)s "
                "are ended. Only this session is still signed in."
            )
            % {"sessions": done.sessions, "tokens": done.tokens, "organisation": organisation},
        )
        return redirect("accounts:account")
    members = Member.objects.filter(organisation=organisation).count()
    return render(
        request,
        "accounts/lockdown.html",
        {"form": form, "organisation": organisation, "members": members},
    )
