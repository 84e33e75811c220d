"""Forms of the account pages: signing in (throttled), the second factor, tokens, lock-down."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kamavor.accounts import throttle
from kamavor.core.proxy import client_address

TOKEN_DAYS = [(7, _("a week")), (30, _("a month")), (90, _("three months")), (365, _("a year"))]


def locked_message(until) -> str:
    return _(
        "Too many wrong attempts. Signing in is paused for this account or this place "
        "until %(time)s. Try again then, or ask your coordinator."
    ) % {"time": formats.time_format(timezone.localtime(until), "H:i")}


class LoginForm(AuthenticationForm):
    """Django's sign-in form, told apart when attempts are paused: then it says so and until
    when, and does not even check the password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is not right. Try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        until = throttle.locked_until(username, address)
        if until is not None:
            raise forms.ValidationError(locked_message(until), code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            until = throttle.locked_until(username, address)
            if until is not None:  # that was the last attempt allowed
                raise forms.ValidationError(locked_message(until), code="locked") from None
            raise


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}
        ),
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    days = forms.TypedChoiceField(label=_("Valid for"), choices=TOKEN_DAYS, coerce=int, initial=90)


class LockDownForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: every member of the organisation will have to sign in again."),
        required=True,
    )
