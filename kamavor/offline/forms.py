"""The coordinator's decision on a held offline write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from kamavor.offline.services import REASON_LIMIT, Decision


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (Decision.POST, gettext_lazy("Post what is possible now")),
            (Decision.DROP, gettext_lazy("Drop it: record nothing")),
        ],
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON_LIMIT)
