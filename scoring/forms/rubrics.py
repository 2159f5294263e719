"""Forms of the rubric pages (creating, settings, templates, versions): input
validation only; the rules live in scoring.services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.excel import XLSX_CONTENT_TYPE
from core.text import vi_number
from scoring.excel import ParsedRubric, parse_rubric_xlsx
from scoring.forms.fields import PointsField
from scoring.models import Rubric

SCALE_HELP = _("Usually 100 or 1.000 points: what the sections add up to.")
BONUS_CAP_HELP = _("All bonus points together never exceed this (0: no bonus items).")
DEDUCTION_CAP_HELP = _("All deductions together never exceed this (0: no deductions).")
SCALE_POSITIVE = _("The total must be greater than 0.")
TEMPLATE_REQUIRED = _("Choose the template to start from.")


def _scale_fields(form: forms.Form) -> None:
    form.fields["scale_total"] = PointsField(label=_("Total points"), help_text=SCALE_HELP)
    form.fields["bonus_cap"] = PointsField(
        label=_("Bonus cap (points)"), help_text=BONUS_CAP_HELP, required=False
    )
    form.fields["deduction_cap"] = PointsField(
        label=_("Deduction cap (points)"), help_text=DEDUCTION_CAP_HELP, required=False
    )


def _clean_scale(form: forms.Form, data: dict[str, Any]) -> dict[str, Any]:
    total = data.get("scale_total")
    if total is not None and total <= 0:
        form.add_error("scale_total", SCALE_POSITIVE)
    for name in ("bonus_cap", "deduction_cap"):
        if name in data and data[name] is None:
            data[name] = Decimal(0)
    return data


def scale_data(rubric: Rubric) -> dict[str, str]:
    """data-* attributes that let the create form copy a source's total and caps."""
    return {
        "scale": vi_number(rubric.scale_total),
        "bonus": vi_number(rubric.bonus_cap),
        "deduction": vi_number(rubric.deduction_cap),
    }


class RubricCreateForm(forms.Form):
    SCRATCH, TEMPLATE, PREVIOUS, EXCEL = "scratch", "template", "previous", "excel"

    start = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect)
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=Rubric.objects.none(), required=False
    )
    name = forms.CharField(label=_("Name of the table"), max_length=300)

    def __init__(
        self,
        *args: Any,
        templates: list[Rubric],
        previous: Rubric | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _scale_fields(self)
        self.templates = templates
        self.previous = previous
        choices = [(self.SCRATCH, _("An empty table"))]
        if previous is not None:
            choices.insert(
                0,
                (
                    self.PREVIOUS,
                    _("Last year's table (%(year)s): copy it, then adapt it")
                    % {"year": previous.cluster_year.year},
                ),
            )
        if templates:
            choices.append((self.TEMPLATE, _("A template of the board's library")))
        choices.append((self.EXCEL, _("An Excel file (empty table, then import)")))
        self.fields["start"].choices = choices
        self.fields["template"].queryset = Rubric.objects.filter(
            pk__in=[template.pk for template in templates]
        )
        self.fields["template"].label_from_instance = lambda rubric: rubric.name

    def clean(self) -> dict[str, Any]:
        data = _clean_scale(self, super().clean())
        if data.get("start") == self.TEMPLATE and not data.get("template"):
            self.add_error("template", TEMPLATE_REQUIRED)
        return data


class RubricSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name of the table"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scale_fields(self)

    def clean(self) -> dict[str, Any]:
        return _clean_scale(self, super().clean())


class TemplateCreateForm(forms.Form):
    name = forms.CharField(label=_("Name of the template"), max_length=300)
    from_rubric = forms.ModelChoiceField(
        label=_("Copy the criteria of"),
        queryset=Rubric.objects.none(),
        required=False,
        empty_label=_("Nothing: start empty"),
    )

    def __init__(self, *args: Any, sources: list[Rubric], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scale_fields(self)
        self.fields["from_rubric"].queryset = Rubric.objects.filter(
            pk__in=[source.pk for source in sources]
        ).select_related("cluster_year__cluster")
        self.fields["from_rubric"].label_from_instance = source_label

    def clean(self) -> dict[str, Any]:
        return _clean_scale(self, super().clean())


def source_label(rubric: Rubric) -> str:
    if rubric.cluster_year_id is None:
        return str(_("Template: %(name)s") % {"name": rubric.name})
    return f"{rubric.cluster_year.cluster.name} {rubric.cluster_year.year} — {rubric}"


class NewVersionForm(forms.Form):
    change_note = forms.CharField(
        label=_("What changes and why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Member units receive this note by e-mail; it stays with the version."),
    )


class RubricImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )

    def clean_file(self) -> ParsedRubric:
        """The file read into rows (their errors come with them); a file that cannot be
        read at all is refused here."""
        try:
            return parse_rubric_xlsx(self.cleaned_data["file"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
