"""The coordinator's decision on a held offline write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from kamavor.offline.services import REASON_LIMIT, Decision
from kamavor.stock.models import Document


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (Decision.POST, gettext_lazy("Post what is possible now")),
            (Decision.REVERSE, gettext_lazy("Reverse the earlier posting below, then post it")),
            (Decision.DROP, gettext_lazy("Drop it: record nothing")),
        ],
    )
    reverse = forms.TypedChoiceField(
        label=gettext_lazy("Earlier posting to reverse"),
        widget=forms.RadioSelect,
        coerce=int,
        required=False,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON_LIMIT)

    def __init__(self, *args, causes: list[Document] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.causes = {d.pk: d for d in causes}
        self.fields["reverse"].choices = [
            (
                d.pk,
                f"{d.number} · {d.created_at:%d.%m.%Y %H:%M}"
                + (f" · {d.household.display_code}" if d.household_id else ""),
            )
            for d in causes
        ]
        if not causes:
            self.fields["decision"].choices = [
                c for c in self.fields["decision"].choices if c[0] != Decision.REVERSE
            ]
            del self.fields["reverse"]

    @property
    def document(self) -> Document | None:
        return self.causes.get(self.cleaned_data.get("reverse"))
