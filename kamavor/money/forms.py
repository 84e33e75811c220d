"""The money desk's forms: they only gather the fields; the services check them and say why."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from kamavor.money.models import Method

MAX_FILE = 2 * 1024 * 1024


class KeyedForm(forms.Form):
    """A write form that carries an idempotency key drawn when the form was shown, so that a
    double click or a resent form counts once."""

    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    @classmethod
    def fresh(cls, **initial) -> KeyedForm:
        return cls(initial={"key": uuid.uuid4().hex, **initial})


class DonationForm(KeyedForm):
    fund = forms.TypedChoiceField(label=_("Fund"), coerce=int)
    amount = forms.CharField(label=_("Amount"), max_length=40)
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    method = forms.ChoiceField(label=_("How"), choices=Method.choices)
    point = forms.TypedChoiceField(label=_("Point"), coerce=int, required=False, empty_value=None)
    donor = forms.CharField(
        label=_("Donor (optional)"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for an anonymous donation."),
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class SpendingForm(KeyedForm):
    fund = forms.TypedChoiceField(label=_("Fund"), coerce=int)
    amount = forms.CharField(label=_("Amount"), max_length=40)
    purpose = forms.CharField(label=_("Paid for"), max_length=300)


class TransferForm(KeyedForm):
    source = forms.TypedChoiceField(label=_("From fund"), coerce=int)
    destination = forms.IntegerField(
        label=_("To fund (number)"),
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The number of a fund of this or another organisation."),
    )
    amount = forms.CharField(label=_("Amount sent"), max_length=40)
    received = forms.CharField(
        label=_("Amount received"),
        max_length=40,
        required=False,
        help_text=_("Only when the other fund keeps another currency."),
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class AdvanceForm(KeyedForm):
    fund = forms.TypedChoiceField(label=_("Fund"), coerce=int)
    amount = forms.CharField(label=_("Amount advanced"), max_length=40)
    note = forms.CharField(label=_("Who advanced it, and why"), max_length=2000)


class FundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    earmark = forms.CharField(
        label=_("Earmarked for"),
        max_length=200,
        required=False,
        help_text=_("Medicine, winter… Leave empty for money free to use."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="AMD")
    public = forms.BooleanField(label=_("Show its accounts publicly"), required=False, initial=True)


class CashCountForm(forms.Form):
    fund = forms.TypedChoiceField(label=_("Fund"), coerce=int)
    point = forms.TypedChoiceField(label=_("Point"), coerce=int)
    counted = forms.CharField(label=_("Cash counted"), max_length=40)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class HandoverForm(KeyedForm):
    fund = forms.TypedChoiceField(label=_("Fund"), coerce=int)
    amount = forms.CharField(label=_("Amount"), max_length=40)
    to = forms.TypedChoiceField(label=_("Handed to"), coerce=int)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class RateForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(label=_("Currency"), max_length=3)
    rate = forms.CharField(label=_("Rate"), max_length=30)


class HomeCurrencyForm(forms.Form):
    currency = forms.CharField(
        label=_("The organisation's currency"),
        max_length=3,
        help_text=_("Reports and in-kind values are in this currency."),
    )


class RateFileForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: day,currency,rate (e.g. 2026-12-01,USD,387.5)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE:
            raise forms.ValidationError(_("The file is too large (at most 2 MB)."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("Save the file as UTF-8 text.")) from None


class ItemValueForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    value = forms.CharField(label=_("Value of one unit"), max_length=40)


class ReverseForm(KeyedForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
