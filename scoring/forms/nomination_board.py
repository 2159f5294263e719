"""Forms of the board's nomination pages and of the public disclosure: input
validation only; the rules live in scoring.services.nomination_review."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.forms.periods import DeadlineField
from scoring.services.nomination_review import COMMENT_MAX_CHARS


class AcceptForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I have checked the dossier: the nomination is accepted and the cluster head is told."
        )
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("The cluster head reads it and sends the nomination again once fixed."),
    )
    confirm = forms.BooleanField(
        label=_("Return the nomination to the cluster head with this reason.")
    )


class DisclosureForm(forms.Form):
    opens_at = DeadlineField(label=_("Shown to members from"))
    closes_at = DeadlineField(label=_("Comments taken until"))
    note = forms.CharField(
        label=_("Note to members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=COMMENT_MAX_CHARS,
    )
