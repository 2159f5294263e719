"""Input of the self-scoring pages. Plain forms: they only read what was posted; the
values of an entry are parsed and checked by ``scoring.services.scorecards`` (which
knows each criterion's kind), so a refused value comes back with the service's message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.services.scorecards import ACCEPT, ALLOWED_FIELDS

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


class EntryForm(forms.Form):
    """The version the person started from; the typed values are read by ``values``."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def values(self) -> dict[str, Any]:
        """Only the fields the request carries (a row posts its value and comment)."""
        return {name: self.data.get(name) for name in sorted(ALLOWED_FIELDS) if name in self.data}


class _EntriesField(forms.Field):
    """Ids of entries the evidence will support (checked against the card by the view)."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(item) for item in value]


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, image (PNG, JPEG, GIF), Word or Excel."),
    )
    title = forms.CharField(label=_("Description"), required=False, max_length=300)
    entries = _EntriesField(label=_("Supports the criteria"), required=False)


class DocumentReferenceForm(forms.Form):
    doc_number = forms.CharField(label=_("Document number"), required=False, max_length=60)
    doc_date = forms.DateField(
        label=_("Document date"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}
        ),
    )
    doc_issuer = forms.CharField(label=_("Issued by"), required=False, max_length=300)
    title = forms.CharField(label=_("Description"), required=False, max_length=300)
    entries = _EntriesField(label=_("Supports the criteria"), required=False)


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I have checked the scorecard; I understand that after submitting my unit can no "
            "longer change it."
        ),
        required=True,
        error_messages={"required": _("Tick the box to confirm the submission.")},
    )
