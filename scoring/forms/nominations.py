"""Forms of the nomination pages: input validation only; the rules (quotas, members,
who uploads what) live in scoring.services.nominations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.models import NominationDocument, Nominee
from scoring.services.scorecards import ACCEPT

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class NomineesForm(forms.Form):
    """For every member unit of the year: no award, the flag or a certificate of merit,
    the grounds, and whether it is woman-led or has at least 70 % women."""

    def __init__(self, *args: Any, units: list, initial_nominees: list | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.units = units
        current = {nominee.unit_id: nominee for nominee in initial_nominees or []}
        choices = [("", _("Not proposed")), *Nominee.Award.choices]
        for unit in units:
            nominee = current.get(unit.pk)
            self.fields[f"award_{unit.pk}"] = forms.ChoiceField(
                label=unit.name,
                choices=choices,
                required=False,
                initial=nominee.award if nominee else "",
            )
            self.fields[f"reason_{unit.pk}"] = forms.CharField(
                label=_("grounds"),
                required=False,
                max_length=2000,
                initial=nominee.reason if nominee else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"women_{unit.pk}"] = forms.BooleanField(
                label=_("woman-led or at least 70 % women"),
                required=False,
                initial=nominee.women_preference if nominee else False,
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "unit": unit,
                "award": self[f"award_{unit.pk}"],
                "reason": self[f"reason_{unit.pk}"],
                "women": self[f"women_{unit.pk}"],
            }
            for unit in self.units
        ]

    def choices(self) -> dict[str, Any]:
        data = self.cleaned_data
        pks = [unit.pk for unit in self.units]
        return {
            "flag": [pk for pk in pks if data.get(f"award_{pk}") == Nominee.Award.FLAG],
            "merit": [pk for pk in pks if data.get(f"award_{pk}") == Nominee.Award.MERIT],
            "reasons": {pk: data.get(f"reason_{pk}", "") for pk in pks},
            "women": [pk for pk in pks if data.get(f"women_{pk}")],
        }


class SubmissionDetailsForm(forms.Form):
    number = forms.CharField(
        label=_("Submission number"),
        max_length=60,
        required=False,
        help_text=_("As issued by the head unit, e.g. 25/TTr-UBND."),
    )
    date = forms.DateField(
        label=_("Submission date"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )
    summary = forms.CharField(
        label=_("Summary of achievements"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class DocumentUploadForm(forms.Form):
    """The head chooses the kind and the unit; a nominated unit uploads only its own
    achievement report (kind and unit fixed)."""

    kind = forms.ChoiceField(label=_("Document"), choices=NominationDocument.Kind.choices)
    unit = forms.TypedChoiceField(
        label=_("Nominated unit"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, Word, Excel or an image; its content decides its type."),
    )

    def __init__(self, *args: Any, nominees: list, head: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—")] + [
            (nominee.unit_id, nominee.unit.name) for nominee in nominees
        ]
        if not head:
            del self.fields["kind"]
            del self.fields["unit"]

    def kind_value(self) -> str:
        return self.cleaned_data.get("kind") or NominationDocument.Kind.ACHIEVEMENT_REPORT


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Send the nomination and its dossier to the emulation board.")
    )
