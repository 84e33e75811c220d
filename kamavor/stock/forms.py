"""Input validation for the stock desks; the services check again before they write."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput
from kamavor.core.numbers import BoundedIntegerField
from kamavor.lib.dates import parse_expiry
from kamavor.lib.sizes import sort_sizes
from kamavor.network.models import Point
from kamavor.stock.models import Condition, Lot
from kamavor.stock.services import IntakeLine, check_intake_line


class QuantityField(BoundedIntegerField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", settings.KAMAVOR_MAX_LINE_QUANTITY)
        kwargs.setdefault("label", gettext_lazy("Quantity"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})


class IntakeLineForm(forms.Form):
    """One line at the intake desk, for a chosen item: the fields shown depend on the item."""

    quantity = QuantityField()
    expiry = forms.CharField(
        label=gettext_lazy("Expiry"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("e.g. 31.05.2027 or 05.2027"),
    )
    size = forms.ChoiceField(label=gettext_lazy("Size"), required=False)
    condition = forms.ChoiceField(
        label=gettext_lazy("Condition"), choices=Condition.choices, initial=Condition.NEW
    )
    unit_cost = forms.DecimalField(
        label=gettext_lazy("Cost per unit"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )

    def __init__(self, *args, item: Item, purchase: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["quantity"].widget.attrs["autofocus"] = True
        self.fields["expiry"].widget.attrs.update(
            {"inputmode": "numeric", "placeholder": "05.2027", "autocomplete": "off"}
        )
        if not item.tracks_expiry:
            del self.fields["expiry"]
        if item.tracks_size:
            self.fields["size"].choices = [("", "—")] + [(s, s) for s in item.sizes]
            self.fields["size"].required = True
        else:
            del self.fields["size"]
        if not purchase:
            del self.fields["unit_cost"]

    def clean_expiry(self):
        text = self.cleaned_data.get("expiry", "")
        if not text:
            return None
        expiry = parse_expiry(text)
        if expiry is None:
            raise forms.ValidationError(_("Type the date as on the label, e.g. 31.05.2027."))
        return expiry

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.line = check_intake_line(
                IntakeLine(
                    item=self.item,
                    quantity=data["quantity"],
                    expiry=data.get("expiry"),
                    size=data.get("size", ""),
                    condition=data["condition"],
                    unit_cost=data.get("unit_cost"),
                ),
                number=1,
                today=timezone.localdate(),
            )
        except InvalidInput as error:
            message = error.message.split(": ", 1)[-1]  # drop "Line 1:" at a one-line form
            self.add_error(error.field if error.field in self.fields else None, message)
        return data


class PostIntakeForm(forms.Form):
    donor = forms.CharField(
        label=gettext_lazy("Donor (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("anonymous")}),
    )
    supplier = forms.CharField(label=gettext_lazy("Supplier"), required=False, max_length=200)
    currency = forms.CharField(label=gettext_lazy("Currency"), initial="AMD", max_length=3)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)

    def __init__(self, *args, purchase: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if purchase:
            del self.fields["donor"]
            self.fields["supplier"].required = True
        else:
            del self.fields["supplier"]
            del self.fields["currency"]


class ReverseForm(forms.Form):
    """Why, and what: the whole document, or one wrong line of it."""

    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=300)
    line = forms.TypedChoiceField(
        label=gettext_lazy("What to reverse"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, lines: Sequence = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {line.pk: line for line in lines}
        choices = [("", _("the whole document"))]
        choices += [
            (line.pk, f"{line.item.name}{f' ({line.size})' if line.size else ''} × {line.quantity}")
            for line in lines
        ]
        self.fields["line"].choices = choices

    def chosen_line(self):
        """The line to reverse alone, or None for the whole document."""
        return self.lines.get(self.cleaned_data.get("line"))


def new_key() -> str:
    """A fresh idempotency key for a form: a retried or double-clicked post counts once."""
    return uuid.uuid4().hex


class KeyField(forms.CharField):
    """The idempotency key a form was rendered with, posted back unchanged."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault(
            "error_messages",
            {"required": gettext_lazy("This form is incomplete: reload the page and try again.")},
        )
        super().__init__(**kwargs)


class CountedField(BoundedIntegerField):
    """A quantity typed on a sheet: zero is a real answer, blank may mean "not counted"."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", settings.KAMAVOR_MAX_LINE_QUANTITY)
        kwargs["error_messages"] = {
            "invalid": gettext_lazy("Type a whole number."),
            "min_value": gettext_lazy("The quantity cannot be negative."),
            "max_value": gettext_lazy("More than one line may hold (%(limit_value)s)."),
            **kwargs.get("error_messages", {}),
        }
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})


# ---------------------------------------------------------------- transfers


class TransferLineForm(forms.Form):
    """One line of a transfer being prepared: how many of the chosen item, and which size.

    `available` maps a size ("" for an item without sizes) to the units on hand that have not
    expired; `in_cart` to the units of it already on this transfer.
    """

    size = forms.ChoiceField(label=gettext_lazy("Size"), required=False)
    quantity = QuantityField()

    def __init__(
        self,
        *args,
        item: Item,
        available: Mapping[str, int],
        in_cart: Mapping[str, int] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.available = available
        self.in_cart = in_cart or {}
        self.on_hand = sum(available.values())
        if item.tracks_size:
            on_hand = sort_sizes(s for s in available if s and available[s])
            self.fields["size"].choices = [("", "—")] + [
                (s, _("%(size)s · %(n)d on hand") % {"size": s, "n": available[s]}) for s in on_hand
            ]
            self.fields["size"].required = True
            self.fields["size"].widget.attrs["autofocus"] = True
        else:
            del self.fields["size"]
            self.fields["quantity"].widget.attrs["autofocus"] = True

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        size = data.get("size", "") if self.item.tracks_size else ""
        have, taken = self.available.get(size, 0), self.in_cart.get(size, 0)
        if data["quantity"] + taken > have:
            self.add_error("quantity", self._shortage(have, taken))
            return data
        self.line = {"item": self.item.pk, "size": size, "quantity": data["quantity"]}
        return data

    def _shortage(self, have: int, taken: int) -> str:
        if not have:
            return _("None on hand here that has not expired.")
        if taken:
            return _(
                "Only %(have)d on hand here that have not expired, and %(taken)d are already "
                "on this transfer."
            ) % {"have": have, "taken": taken}
        return _("Only %(have)d on hand here that have not expired.") % {"have": have}


class CreateTransferForm(forms.Form):
    """Where a prepared transfer goes: any other active point of the network."""

    key = KeyField(required=False)
    destination = forms.TypedChoiceField(label=gettext_lazy("Destination"), coerce=int)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)

    def __init__(self, *args, source: Point, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        points = (
            Point.objects.active()
            .exclude(pk=source.pk)
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        self.points = {p.pk: p for p in points}
        groups: dict[tuple, list] = {}
        for p in self.points.values():
            # The source's own organisation first: most transfers stay inside it.
            order = (p.organisation_id != source.organisation_id, p.organisation.name)
            groups.setdefault(order, []).append((p.pk, f"{p.name} · {p.get_kind_display()}"))
        self.fields["destination"].choices = [("", "—")] + [
            (order[1], choices) for order, choices in sorted(groups.items())
        ]
        self.fields["destination"].error_messages["required"] = _("Choose where the goods go.")

    def clean_destination(self) -> Point:
        return self.points[self.cleaned_data["destination"]]


class ReceiveTransferForm(forms.Form):
    """What arrived, line by line: pre-filled with what was sent, so a full delivery is one key."""

    key = KeyField()
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)

    def __init__(self, *args, lines: Sequence, **kwargs) -> None:
        kwargs.setdefault("initial", {"key": new_key()})
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for n, line in enumerate(self.lines):
            field = CountedField(
                label=gettext_lazy("Received"),
                initial=line.quantity,
                max_value=line.quantity,
                error_messages={
                    "required": gettext_lazy("Type what arrived (0 if nothing)."),
                    "max_value": gettext_lazy(
                        "More than was sent (%(limit_value)s). Take extra goods in as a donation."
                    ),
                },
            )
            if n == 0:
                field.widget.attrs["autofocus"] = True
            self.fields[f"line_{line.pk}"] = field

    def rows(self) -> list[tuple]:
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def received(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.lines}


# ---------------------------------------------------------------- counts


class CountSheetForm(forms.Form):
    """A stocktake sheet: one "counted" box per item, split into rows only where the expiry or
    the size differ (lots that differ in condition alone are counted together); a blank box
    means not counted. A row's box is named after its first lot."""

    key = KeyField()
    reason = forms.CharField(
        label=gettext_lazy("Reason for differences"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Needed when a count differs from the ledger."),
    )

    def __init__(self, *args, lots: Sequence[Lot], **kwargs) -> None:
        kwargs.setdefault("initial", {"key": new_key()})
        super().__init__(*args, **kwargs)
        self.groups: list[list[Lot]] = []
        by_row: dict[tuple, list[Lot]] = {}
        for lot in lots:
            row = (lot.item_id, lot.size, lot.expiry)
            if row not in by_row:
                by_row[row] = []
                self.groups.append(by_row[row])
            by_row[row].append(lot)
        self.lots = [group[0] for group in self.groups]
        for lot in self.lots:
            field = CountedField(label=str(lot), required=False)
            field.widget.attrs["enterkeyhint"] = "next"
            self.fields[f"lot_{lot.pk}"] = field

    def rows(self) -> list[tuple]:
        """(first lot, box, how many lots the row counts), for the template."""
        return [(group[0], self[f"lot_{group[0].pk}"], len(group)) for group in self.groups]

    def counted(self) -> list[tuple[Lot, int]]:
        """The lots of the rows with a number typed, and what each lot counts for: a row's
        lots keep what the ledger holds, in order, and the last one takes the difference."""
        result = []
        for group in self.groups:
            value = self.cleaned_data.get(f"lot_{group[0].pk}")
            if value is None:
                continue
            left = value
            for n, lot in enumerate(group, 1):
                share = left if n == len(group) else min(left, _on_hand(lot))
                result.append((lot, share))
                left -= share
        return result

    def focus_next_blank(self) -> None:
        """Put the cursor on the first box in error, else the first blank one after the last
        one filled in."""
        for lot in self.lots:
            if f"lot_{lot.pk}" in self.errors:
                self.fields[f"lot_{lot.pk}"].widget.attrs["autofocus"] = True
                return
        last = -1
        for n, lot in enumerate(self.lots):
            if self[f"lot_{lot.pk}"].value() not in (None, ""):
                last = n
        for lot in self.lots[last + 1 :] or self.lots[:1]:
            if self[f"lot_{lot.pk}"].value() in (None, ""):
                self.fields[f"lot_{lot.pk}"].widget.attrs["autofocus"] = True
                return
        self.fields["reason"].widget.attrs["autofocus"] = True


def _on_hand(lot: Lot) -> int:
    balance = getattr(lot, "balance", None)
    return max(0, balance.quantity) if balance is not None else 0


# ---------------------------------------------------------------- kits


class BuildKitForm(forms.Form):
    """Which kit, and how many to assemble from the point's stock."""

    key = KeyField()
    kit = forms.TypedChoiceField(label=gettext_lazy("Kit"), coerce=int)
    quantity = QuantityField(label=gettext_lazy("Kits to build"))

    def __init__(self, *args, kits: Sequence[Item], chosen: Item | None = None, **kwargs) -> None:
        kwargs.setdefault("initial", {"key": new_key(), "kit": chosen.pk if chosen else None})
        super().__init__(*args, **kwargs)
        self.kits = {kit.pk: kit for kit in kits}
        self.fields["kit"].choices = [("", "—")] + [(k.pk, k.name) for k in kits]
        self.fields["kit"].error_messages["required"] = _("Choose a kit.")
        focus = "quantity" if chosen else "kit"
        self.fields[focus].widget.attrs["autofocus"] = True

    def clean_kit(self) -> Item:
        return self.kits[self.cleaned_data["kit"]]


class UnbuildKitForm(forms.Form):
    """Take some kits of one lot apart; their components go back into stock."""

    key = KeyField()
    quantity = QuantityField(label=gettext_lazy("Kits to take apart"))

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"key": new_key()})
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs["aria-label"] = self.fields["quantity"].label
