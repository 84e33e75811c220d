"""Input of the distribution desk: a household code, a line to add, and the visit's lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamavor.core.numbers import BoundedIntegerField
from kamavor.lib import household_codes
from kamavor.stock.forms import KeyField, TransferLineForm, new_key


class CodeForm(forms.Form):
    """A household code as typed or scanned from the card's QR (hyphen and case do not matter)."""

    code = forms.CharField(
        label=gettext_lazy("Household code: type it or scan the card"), max_length=40
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "enterkeyhint": "go",
                "placeholder": "KX4M-7QAT",
            }
        )
        self.fields["code"].error_messages["required"] = _("Type the code on the card.")

    def clean_code(self) -> str:
        code = household_codes.normalise(self.cleaned_data["code"])
        if household_codes.is_valid(code):
            return code
        alphabet = set(household_codes.ALPHABET)
        if len(code) == household_codes.LENGTH and set(code) <= alphabet:
            raise forms.ValidationError(
                _(
                    "This code has a typing mistake: one character is wrong or two are swapped. "
                    "Check it against the card and type it again."
                ),
                code="check_character",
            )
        raise forms.ValidationError(
            _(
                "This is not a household code: a code has 8 letters and digits, like KX4M-7QAT "
                "(no 0, 1, O, I, L, S, Z, B or G)."
            ),
            code="not_a_code",
        )


class VisitLineForm(TransferLineForm):
    """An item added to a visit: how many, and which size, of what is on hand here."""

    def _shortage(self, have: int, taken: int) -> str:
        if not have:
            return _("None on hand here that has not expired.")
        if taken:
            return _(
                "Only %(have)d on hand here that have not expired, and %(taken)d are already "
                "on this visit."
            ) % {"have": have, "taken": taken}
        return _("Only %(have)d on hand here that have not expired.") % {"have": have}


class VisitForm(forms.Form):
    """The visit's lines as the volunteer leaves them: a quantity per line (0 drops it) and,
    for clothing and shoes, the size."""

    key = KeyField()
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)

    def __init__(
        self,
        *args,
        lines: Sequence[Mapping],
        sizes: Mapping[int, Sequence[str]],
        focus: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for index, line in enumerate(lines):
            item = line["item"]
            quantity = BoundedIntegerField(
                label=_("Quantity of %(item)s") % {"item": item.name},
                min_value=0,
                max_value=settings.KAMAVOR_MAX_LINE_QUANTITY,
                initial=line["quantity"],
                error_messages={"invalid": _("Type a whole number.")},
            )
            quantity.widget.attrs.update(
                {"inputmode": "numeric", "autocomplete": "off", "class": "qty"}
            )
            if focus and index == 0:
                quantity.widget.attrs["autofocus"] = True
            self.fields[f"quantity-{index}"] = quantity
            if item.tracks_size:
                choices = [("", "—")] + [(s, s) for s in sizes.get(item.pk, [])]
                if line["size"] and line["size"] not in dict(choices):
                    choices.append((line["size"], line["size"]))
                self.fields[f"size-{index}"] = forms.ChoiceField(
                    label=_("Size of %(item)s") % {"item": item.name},
                    choices=choices,
                    required=False,
                    initial=line["size"],
                )

    def rows(self) -> list[tuple]:
        """(index, line, quantity field, size field or None), for the template."""
        return [
            (
                index,
                line,
                self[f"quantity-{index}"],
                self[f"size-{index}"] if f"size-{index}" in self.fields else None,
            )
            for index, line in enumerate(self.lines)
        ]

    def clean(self):
        data = super().clean()
        for index, line in enumerate(self.lines):
            quantity = data.get(f"quantity-{index}")
            if line["item"].tracks_size and quantity and not data.get(f"size-{index}"):
                self.add_error(
                    f"size-{index}",
                    _("Choose the size of %(item)s.") % {"item": line["item"].name},
                )
        return data

    def chosen(self) -> list[dict]:
        """The lines as posted: item id, size and quantity (zero quantities included)."""
        return [
            {
                "item": line["item"].pk,
                "size": self.cleaned_data.get(f"size-{index}") or line["size"] or "",
                "quantity": self.cleaned_data[f"quantity-{index}"] or 0,
                "due": line.get("due"),
            }
            for index, line in enumerate(self.lines)
        ]


class PackForm(forms.Form):
    """Pack a shelter's request: the pick list as shown, posted once with its key."""

    key = KeyField()
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"key": new_key()})
        super().__init__(*args, **kwargs)
