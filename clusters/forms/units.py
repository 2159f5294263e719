"""Forms of the unit register: create and edit a unit, and the lineage changes
(rename, split, merge) that end one unit and start others."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clusters.models import Organizer, Unit
from clusters.selectors.units import current_units
from core.forms import SafeModelMultipleChoiceField
from core.text import nfc

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
SPLIT_NEEDS_TWO_LINES = _("Write at least two new names, one per line.")
MERGE_NEEDS_TWO_UNITS = _("Choose at least two units to merge.")


def date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )


def _label(name: str) -> Any:
    return capfirst(Unit._meta.get_field(name).verbose_name)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class UnitForm(forms.Form):
    name = forms.CharField(label=_label("name"), max_length=200)
    kind = forms.ChoiceField(label=_label("kind"), choices=[("", "---------"), *Unit.Kind.choices])
    short_name = forms.CharField(
        label=_label("short_name"),
        max_length=100,
        required=False,
        help_text=_("How documents and tables may call it, e.g. “Lương Tài”."),
    )
    parent = UnitChoiceField(label=_label("parent"), queryset=Unit.objects.none(), required=False)
    code = forms.CharField(label=_label("code"), max_length=30, required=False)
    valid_from = date_field(
        _label("valid_from"),
        required=False,
        help_text=_("Leave empty for a unit that existed before the years kept here."),
    )
    valid_to = date_field(
        _label("valid_to"),
        required=False,
        help_text=_(
            "Only for a unit that has ended; use rename, split or merge when it "
            "carries on under another name."
        ),
    )
    leader_title = forms.CharField(
        label=_label("leader_title"),
        max_length=120,
        required=False,
        help_text=_("e.g. Chủ tịch UBND"),
    )

    def __init__(self, *args: Any, organizer: Organizer, unit: Unit | None = None, **kwargs: Any):
        if unit is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": unit.name,
                    "kind": unit.kind,
                    "short_name": unit.short_name,
                    "parent": unit.parent_id,
                    "code": unit.code,
                    "valid_from": unit.valid_from,
                    "valid_to": unit.valid_to,
                    "leader_title": unit.leader_title,
                },
            )
        super().__init__(*args, **kwargs)
        offered = Q(valid_to__isnull=True)
        if unit is not None and unit.parent_id:
            offered |= Q(pk=unit.parent_id)  # keep an ended parent the unit already has
        parents = Unit.objects.filter(organizer=organizer).filter(offered)
        if unit is not None:
            parents = parents.exclude(pk=unit.pk)
            self.fields["valid_from"].required = True
            self.fields["valid_from"].help_text = ""
        self.fields["parent"].queryset = parents.vi_ordered()

    def clean_name(self) -> str:
        return nfc(self.cleaned_data["name"])

    def unit_fields(self) -> dict[str, Any]:
        """The cleaned values as the service takes them (no date: the default)."""
        fields = {
            name: nfc(value) if isinstance(value, str) else value
            for name, value in self.cleaned_data.items()
        }
        if fields.get("valid_from") is None:
            fields.pop("valid_from", None)
        return fields


class RenameForm(forms.Form):
    new_name = forms.CharField(label=_("New name"), max_length=200)
    date = date_field(
        _("Effective date"),
        help_text=_("The first day under the new name; the old name ends the day before."),
    )
    decision = forms.CharField(
        label=_("Decision"),
        max_length=200,
        required=False,
        help_text=_(
            "Number and date of the decision or resolution, e.g. Nghị quyết 1656/NQ-UBTVQH15."
        ),
    )

    def clean_new_name(self) -> str:
        return nfc(self.cleaned_data["new_name"])


class SplitForm(forms.Form):
    names = forms.CharField(
        label=_("New units"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One name per line."),
    )
    kind = forms.ChoiceField(label=_("Kind of the new units"), choices=Unit.Kind.choices)
    date = date_field(
        _("Effective date"),
        help_text=_("The first day of the new units; the old unit ends the day before."),
    )
    decision = forms.CharField(label=_("Decision"), max_length=200, required=False)

    def clean_names(self) -> list[str]:
        names = [nfc(line) for line in self.cleaned_data["names"].splitlines()]
        names = [name for name in names if name]
        if len(names) < 2:
            raise forms.ValidationError(SPLIT_NEEDS_TWO_LINES)
        return names


class MergeForm(forms.Form):
    units = SafeModelMultipleChoiceField(
        label=_("Units to merge"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    name = forms.CharField(label=_("Name of the merged unit"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind of the merged unit"), choices=[("", "---------"), *Unit.Kind.choices]
    )
    parent = UnitChoiceField(label=_label("parent"), queryset=Unit.objects.none(), required=False)
    date = date_field(
        _("Effective date"),
        help_text=_("The first day of the merged unit; the merged units end the day before."),
    )
    decision = forms.CharField(label=_("Decision"), max_length=200, required=False)

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any):
        super().__init__(*args, **kwargs)
        units = current_units(organizer=organizer)
        self.fields["units"].queryset = units
        self.fields["parent"].queryset = units

    def clean_units(self) -> list[Unit]:
        units = list(self.cleaned_data["units"])
        if len(units) < 2:
            raise forms.ValidationError(MERGE_NEEDS_TWO_UNITS)
        return units

    def clean_name(self) -> str:
        return nfc(self.cleaned_data["name"])


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_label("kind"), required=False, choices=[("", _("All kinds")), *Unit.Kind.choices]
    )
    ended = forms.BooleanField(label=_("Include units that have ended"), required=False)
