"""Forms of the covenant drafting pages: input validation only; the rules (editable
state, witness decided by the board, unique indicators …) live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clusters.models import Membership
from core.text import fold, nfc, vi_number
from covenants.models import AdoptedDocument, Covenant, CovenantSection, Target
from covenants.services.drafting import (
    DOCUMENT_CONTENT_TYPES,
    GuestInput,
    SectionInput,
    TargetInput,
    parse_vi_decimal,
)
from covenants.services.messages import (
    TARGET_INDICATOR_DUPLICATE,
    TARGET_INDICATOR_REQUIRED,
)

DATE_PLACEHOLDER = "dd/mm/yyyy"
CONFIRM_WARNINGS_LABEL = _("I have checked the warnings; save anyway")
MAX_NEW_TARGET_ROWS = 50


def _model_field(model: Any, name: str, **kwargs: Any) -> forms.Field:
    return model._meta.get_field(name).formfield(**kwargs)


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# Creating ------------------------------------------------------------------------------


class CovenantCreateForm(forms.Form):
    SCRATCH, COPY = "scratch", "copy"

    start = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect)
    title = _model_field(Covenant, "title")
    theme = _model_field(Covenant, "theme", widget=_textarea(3), max_length=2000)
    place_name = _model_field(Covenant, "place_name")

    def __init__(self, *args: Any, source: Covenant | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(self.SCRATCH, _("An empty covenant"))]
        if source is not None:
            choices.insert(
                0,
                (
                    self.COPY,
                    _("Last year's covenant (%(year)s, version %(version)s): copy, then edit")
                    % {"year": source.cluster_year.year, "version": source.version},
                ),
            )
        self.fields["start"].choices = choices


# Header ---------------------------------------------------------------------------------


class CovenantHeaderForm(forms.Form):
    number = _model_field(Covenant, "number")
    title = _model_field(Covenant, "title")
    theme = _model_field(Covenant, "theme", widget=_textarea(3), max_length=2000)
    legal_bases = _model_field(Covenant, "legal_bases", widget=_textarea(4), max_length=5000)
    preamble = _model_field(Covenant, "preamble", widget=_textarea(5), max_length=10000)
    closing = _model_field(Covenant, "closing", widget=_textarea(4), max_length=10000)
    conference_date = forms.DateField(
        label=capfirst(Covenant._meta.get_field("conference_date").verbose_name),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"placeholder": DATE_PLACEHOLDER, "inputmode": "numeric"}
        ),
    )
    conference_place = _model_field(Covenant, "conference_place")
    place_name = _model_field(Covenant, "place_name")
    chair_name = _model_field(Covenant, "chair_name")
    chair_position = _model_field(Covenant, "chair_position")
    needs_witness = _model_field(Covenant, "needs_witness")
    confirm_warnings = forms.BooleanField(label=CONFIRM_WARNINGS_LABEL, required=False)

    def __init__(self, *args: Any, is_board: bool, ask_confirmation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_board:
            self.fields["needs_witness"].disabled = True
            self.fields["needs_witness"].help_text = _("Decided by the emulation board.")
        if not ask_confirmation:
            del self.fields["confirm_warnings"]

    def header_fields(self) -> dict[str, Any]:
        return {
            name: value for name, value in self.cleaned_data.items() if name != "confirm_warnings"
        }


# Sections and guests ----------------------------------------------------------------------


class SectionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    heading = _model_field(CovenantSection, "heading")
    body = _model_field(CovenantSection, "body", widget=_textarea(6), max_length=20000)


class GuestForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=150)
    position = forms.CharField(label=_("Position"), max_length=300, required=False)


SectionFormSet = forms.formset_factory(
    SectionForm, extra=1, can_order=True, can_delete=True, max_num=100, validate_max=True
)
GuestFormSet = forms.formset_factory(
    GuestForm, extra=1, can_order=True, can_delete=True, max_num=50, validate_max=True
)


def section_inputs(formset: forms.BaseFormSet) -> list[SectionInput]:
    return [
        SectionInput(
            pk=form.cleaned_data.get("id"),
            heading=form.cleaned_data["heading"],
            body=form.cleaned_data.get("body", ""),
        )
        for form in formset.ordered_forms
    ]


def guest_inputs(formset: forms.BaseFormSet) -> list[GuestInput]:
    return [
        GuestInput(name=form.cleaned_data["name"], position=form.cleaned_data.get("position", ""))
        for form in formset.ordered_forms
    ]


class ConfirmWarningsForm(forms.Form):
    confirm_warnings = forms.BooleanField(label=CONFIRM_WARNINGS_LABEL, required=False)


# Adopted documents ---------------------------------------------------------------------------


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AdoptedDocument.Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        required=False,
        help_text=_("Leave empty to use the kind as the title."),
    )
    file = forms.FileField(
        label=_("File (PDF, Word or Excel)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join([*DOCUMENT_CONTENT_TYPES, *DOCUMENT_CONTENT_TYPES.values()])}
        ),
    )

    def clean_title(self) -> str:
        return nfc(self.cleaned_data.get("title", ""))

    def document_title(self) -> str:
        kind = self.cleaned_data["kind"]
        return self.cleaned_data["title"] or str(AdoptedDocument.Kind(kind).label)


# Targets grid ----------------------------------------------------------------------------------


class GridRow:
    """One row of the targets grid for the template: its key and bound fields."""

    def __init__(self, form: TargetsGridForm, key: str, target: Target | None) -> None:
        self.key = key
        self.target = target
        self.indicator = form[f"indicator_{key}"]
        self.measure = form[f"measure_{key}"]
        self.scoring = form[f"scoring_{key}"]
        self.delete = form[f"delete_{key}"] if target is not None else None
        self.cells = [form[f"value_{key}_{member.unit_id}"] for member in form.members]

    @property
    def has_errors(self) -> bool:
        fields = [self.indicator, self.measure, *self.cells]
        return any(field.errors for field in fields)


class DecimalCommaField(forms.CharField):
    """A number with a decimal comma; cleans to ``Decimal`` or None."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "target-value"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        return parse_vi_decimal(super().clean(value))


class TargetsGridForm(forms.Form):
    """Every target of the covenant with a value per member unit, plus new rows.

    Field names: ``indicator_<key>``, ``measure_<key>``, ``scoring_<key>``,
    ``delete_<key>``, ``value_<key>_<unit pk>`` — ``key`` is the target's pk, or
    ``new1``, ``new2`` … for rows being added (``new_rows`` says how many).
    """

    new_rows = forms.IntegerField(
        min_value=1, max_value=MAX_NEW_TARGET_ROWS, required=False, widget=forms.HiddenInput
    )
    confirm_warnings = forms.BooleanField(label=CONFIRM_WARNINGS_LABEL, required=False)

    def __init__(
        self,
        *args: Any,
        targets: list[Any],
        members: list[Membership],
        **kwargs: Any,
    ) -> None:
        """``targets`` are selector rows (``.target`` and ``.values``)."""
        self.members = members
        initial: dict[str, Any] = {}
        for row in targets:
            key = str(row.target.pk)
            initial[f"indicator_{key}"] = row.target.indicator
            initial[f"measure_{key}"] = row.target.measure
            initial[f"scoring_{key}"] = row.target.carried_into_scoring
            for member in members:
                value = row.values.get(member.unit_id)
                initial[f"value_{key}_{member.unit_id}"] = _show_number(value)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.targets = [row.target for row in targets]
        self.new_count = self._new_count()
        self.fields["new_rows"].initial = self.new_count
        self.keys: list[tuple[str, Target | None]] = [
            (str(target.pk), target) for target in self.targets
        ] + [(f"new{index}", None) for index in range(1, self.new_count + 1)]
        for key, target in self.keys:
            self._add_row_fields(key, existing=target is not None)

    def _new_count(self) -> int:
        raw = self.data.get("new_rows") if self.is_bound else None
        try:
            count = int(raw) if raw else 1
        except (TypeError, ValueError):
            count = 1
        return max(1, min(count, MAX_NEW_TARGET_ROWS))

    def _add_row_fields(self, key: str, *, existing: bool) -> None:
        indicator_label = capfirst(Target._meta.get_field("indicator").verbose_name)
        self.fields[f"indicator_{key}"] = forms.CharField(
            label=indicator_label, max_length=400, required=False
        )
        self.fields[f"measure_{key}"] = forms.CharField(
            label=capfirst(Target._meta.get_field("measure").verbose_name),
            max_length=60,
            required=False,
        )
        self.fields[f"scoring_{key}"] = forms.BooleanField(
            label=capfirst(Target._meta.get_field("carried_into_scoring").verbose_name),
            required=False,
        )
        if existing:
            self.fields[f"delete_{key}"] = forms.BooleanField(label=_("Delete"), required=False)
        for member in self.members:
            self.fields[f"value_{key}_{member.unit_id}"] = DecimalCommaField(
                label=f"{member.unit.name}"
            )

    @property
    def rows(self) -> list[GridRow]:
        return [GridRow(self, key, target) for key, target in self.keys]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        seen: dict[str, str] = {}
        for row in self.target_inputs(partial=True):
            if row.delete or row.is_blank:
                continue
            name = f"indicator_{row.key}"
            if not nfc(row.indicator):
                if name not in self.errors:
                    self.add_error(name, TARGET_INDICATOR_REQUIRED)
                continue
            folded = fold(row.indicator)
            if folded in seen:
                self.add_error(
                    name,
                    forms.ValidationError(
                        TARGET_INDICATOR_DUPLICATE, params={"indicator": nfc(row.indicator)}
                    ),
                )
            seen[folded] = row.key
        return data

    def target_inputs(self, *, partial: bool = False) -> list[TargetInput]:
        """The rows for ``targets_save`` (``partial``: during clean, cells with errors
        count as filled so a row is not taken for blank)."""
        data = self.cleaned_data
        result = []
        for key, target in self.keys:
            values: dict[int, Decimal | None] = {}
            for member in self.members:
                name = f"value_{key}_{member.unit_id}"
                if partial and name in self.errors:
                    values[member.unit_id] = Decimal(0)
                else:
                    values[member.unit_id] = data.get(name)
            result.append(
                TargetInput(
                    key=key,
                    pk=target.pk if target is not None else None,
                    indicator=data.get(f"indicator_{key}", "") or "",
                    measure=data.get(f"measure_{key}", "") or "",
                    carried_into_scoring=bool(data.get(f"scoring_{key}")),
                    values=values,
                    delete=bool(data.get(f"delete_{key}")),
                )
            )
        return result


def _show_number(value: Decimal | None) -> str:
    """A stored value as it is typed: "95,5", "1.234,5", "9"."""
    if value is None:
        return ""
    return vi_number(value)


# Comments --------------------------------------------------------------------------------------


class CommentForm(forms.Form):
    section = forms.TypedChoiceField(
        label=_("On the section"), required=False, coerce=int, empty_value=None
    )
    text = forms.CharField(label=_("Your comment"), widget=_textarea(3), max_length=5000)

    def __init__(self, *args: Any, sections: list[CovenantSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = {section.pk: section for section in sections}
        self.fields["section"].choices = [
            ("", _("The covenant as a whole")),
            *[(section.pk, f"{section.order}. {section.heading}") for section in sections],
        ]

    def chosen_section(self) -> CovenantSection | None:
        pk = self.cleaned_data.get("section")
        return self.sections.get(pk) if pk else None


class CommentResolveForm(forms.Form):
    comment = forms.IntegerField(widget=forms.HiddenInput)
    resolved = forms.BooleanField(required=False, widget=forms.HiddenInput)
