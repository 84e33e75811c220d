"""Input for the drop-off desk and the sorting station; the services check again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamavor.core.errors import InvalidInput
from kamavor.core.numbers import BoundedIntegerField
from kamavor.sorting.models import Kind, SetAside
from kamavor.sorting.services import MAX_BAGS
from kamavor.stock.forms import CountedField, IntakeLineForm, KeyField, new_key
from kamavor.stock.models import Container, Lot
from kamavor.stock.services import IntakeLine, LotLine, check_set_aside_line


class DropOffForm(forms.Form):
    """The door: the number of bags (the cursor starts there, so "3 Enter" records three bags
    of mixed goods), then, if wanted, the kind, a weight and the donor."""

    key = KeyField()
    bags = BoundedIntegerField(label=gettext_lazy("Bags or boxes"), min_value=1, max_value=MAX_BAGS)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices, initial=Kind.MIXED)
    weight_kg = forms.CharField(
        label=gettext_lazy("Weight, kg (optional)"), required=False, max_length=12
    )
    donor = forms.CharField(
        label=gettext_lazy("Donor (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("anonymous")}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"key": new_key()})
        super().__init__(*args, **kwargs)
        self.fields["bags"].widget.attrs.update(
            {"autofocus": True, "inputmode": "numeric", "autocomplete": "off"}
        )
        self.fields["weight_kg"].widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off"}
        )


class FindBagForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Bag code: scan the tag or type it"), max_length=20)


class SortingLineForm(IntakeLineForm):
    """The intake desk's line, and whether the goods are set aside (and why). A set-aside line
    is not checked as stock: it may have expired, or lack a size."""

    set_aside = forms.ChoiceField(
        label=gettext_lazy("Set aside"),
        required=False,
        choices=[("", gettext_lazy("no: for stock")), *SetAside.choices],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("expiry", "size"):
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        if (self.data.get("set_aside") or "") == "":
            return super().clean()
        data = forms.Form.clean(self)
        if self.errors:
            return data
        try:
            self.line = check_set_aside_line(
                IntakeLine(
                    item=self.item,
                    quantity=data["quantity"],
                    expiry=data.get("expiry"),
                    size=data.get("size", ""),
                    condition=data["condition"],
                ),
                number=1,
            )
        except InvalidInput as error:
            self.add_error(None, error.message.split(": ", 1)[-1])
        return data


class ContainerForm(forms.Form):
    """A new box, sack or pallet: its kind, and a few words for its label if wanted."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=Container.Kind.choices, initial=Container.Kind.BOX
    )
    label = forms.CharField(
        label=gettext_lazy("Label (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. winter, children 3–6")}),
    )


class FindContainerForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Container code: scan the label or type it"), max_length=20
    )


class PackForm(forms.Form):
    """How many units of each of the chosen item's loose lots go into the container."""

    def __init__(self, *args, item, lots: list[Lot], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.item, self.lots = item, {lot.pk: lot for lot in lots}
        for n, lot in enumerate(lots):
            details = " · ".join(
                filter(None, [lot.size, lot.expiry.strftime("%d.%m.%Y") if lot.expiry else ""])
            )
            label = _("%(details)s%(n)d on hand") % {
                "details": f"{details} · " if details else "",
                "n": lot.balance.quantity,
            }
            field = CountedField(
                label=label,
                required=False,
                max_value=lot.balance.quantity,
                error_messages={
                    "max_value": gettext_lazy("Only %(limit_value)s on hand outside containers.")
                },
            )
            if n == 0:
                field.widget.attrs["autofocus"] = True
            self.fields[f"lot_{lot.pk}"] = field

    def clean(self):
        data = super().clean()
        self.lines = [
            LotLine(self.lots[int(name[4:])], quantity)
            for name, quantity in data.items()
            if name.startswith("lot_") and quantity
        ]
        if not self.errors and not self.lines:
            raise forms.ValidationError(_("Type how many to pack."))
        return data


class NoticeForm(forms.Form):
    """The public page's "we are sorting" note: which goods not to bring, and until when."""

    kind = forms.ChoiceField(label=gettext_lazy("Do not bring"), choices=Kind.choices)
    until = forms.DateField(
        label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )
