"""Forms of the cluster and cluster-year screens: input validation only; the rules
(head must be a member, one cluster a year, decision window …) live in services."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster, ClusterYear, Organizer, Unit
from clusters.selectors.clusters import head_unit_choices, organizer_units
from core.forms import SafeModelMultipleChoiceField
from core.text import nfc, vi_sort_key

ORDER_INVALID = _("The order number of “%(unit)s” must be a whole number from 1 to 999.")
FILE_TOO_BIG = _("The file is too large: at most %(limit)s.")
FILE_NOT_ALLOWED = _("Upload the decision as a PDF, PNG or JPEG file.")
FILE_CONTENT_MISMATCH = _("The file's content is not what its name says (%(name)s).")
REASON_REQUIRED = _("Give the reason for reopening the year.")
DATE_PLACEHOLDER = "dd/mm/yyyy"
ORDER_MAX = 999

# File kinds accepted for a decision: magic bytes and the names that go with them.
_FILE_KINDS = {
    "pdf": (b"%PDF-", {".pdf"}),
    "png": (b"\x89PNG\r\n\x1a\n", {".png"}),
    "jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def _model_field(model: Any, name: str, **kwargs: Any) -> forms.Field:
    """The form field Django derives from a model field (label, choices, length)."""
    return model._meta.get_field(name).formfield(**kwargs)


def _label(name: str) -> Any:
    """A cluster-year field's verbose name, capitalised as Django's own forms do."""
    return capfirst(ClusterYear._meta.get_field(name).verbose_name)


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"placeholder": DATE_PLACEHOLDER, "inputmode": "numeric"}
        ),
    )


# Clusters -----------------------------------------------------------------------


class ClusterForm(forms.Form):
    name = _model_field(Cluster, "name")
    kind = _model_field(Cluster, "kind")
    description = _model_field(
        Cluster, "description", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    is_active = _model_field(Cluster, "is_active")

    def clean_name(self) -> str:
        return nfc(self.cleaned_data["name"])


class ClusterFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Cluster.Kind.choices]
    )
    active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[("", _("Active and inactive")), ("yes", _("Active only")), ("no", _("Inactive"))],
    )

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"query": "", "kind": "", "active": ""}
        data = self.cleaned_data
        return {"query": data["q"], "kind": data["kind"], "active": data["active"]}


# Members with their agreed order --------------------------------------------------


class MemberRow:
    """One line of the member picker: a unit, whether it is ticked, its order as typed."""

    def __init__(self, unit: Unit, checked: bool, order: str) -> None:
        self.unit = unit
        self.checked = checked
        self.order = order


class MemberPickerMixin:
    """A ``members`` field rendered as checkboxes with an ``order_<unit pk>`` box each.

    Ticked units with a number come first by number, then the others in
    Vietnamese alphabetical order; ``ordered_members`` is the result.
    """

    fields: dict[str, forms.Field]
    data: Any
    initial: dict[str, Any]
    is_bound: bool
    cleaned_data: dict[str, Any]
    add_error: Any

    def _setup_members(
        self, *, organizer: Organizer, offered: Iterable[Unit], initial_orders: dict[int, Any]
    ) -> None:
        self.fields["members"] = SafeModelMultipleChoiceField(
            label=_("Member units"),
            queryset=organizer_units(organizer=organizer),
            required=False,
        )
        self.organizer = organizer
        self.offered_units = list(offered)
        self.initial_orders = {pk: str(order) for pk, order in initial_orders.items()}
        self.ordered_members: list[Unit] = []

    def _order_text(self, pk: int) -> str:
        if self.is_bound:
            return (self.data.get(f"order_{pk}") or "").strip()
        return self.initial_orders.get(pk, "")

    def _checked_ids(self) -> set[int]:
        if self.is_bound:
            raw = self.data.getlist("members") if hasattr(self.data, "getlist") else []
        else:
            raw = [getattr(item, "pk", item) for item in self.initial.get("members") or []]
        checked = set()
        for value in raw:
            try:
                checked.add(int(value))
            except (TypeError, ValueError):
                continue
        return checked

    def member_rows(self) -> list[MemberRow]:
        checked = self._checked_ids()
        units = list(self.offered_units)
        missing = checked - {unit.pk for unit in units}
        if missing:
            # Ticked units not offered for this year still show, ticked, so nothing is lost.
            units += list(organizer_units(organizer=self.organizer).filter(pk__in=missing))
            units.sort(key=lambda unit: unit.sort_key)
        return [MemberRow(unit, unit.pk in checked, self._order_text(unit.pk)) for unit in units]

    def _clean_members(self) -> None:
        units = list(self.cleaned_data.get("members") or [])
        numbered: list[tuple[int, str, Unit]] = []
        unnumbered: list[Unit] = []
        for unit in units:
            text = self._order_text(unit.pk)
            if not text:
                unnumbered.append(unit)
                continue
            try:
                number = int(text)
            except ValueError:
                number = 0
            if not 1 <= number <= ORDER_MAX:
                self.add_error(
                    "members", forms.ValidationError(ORDER_INVALID, params={"unit": unit.name})
                )
                continue
            numbered.append((number, unit.sort_key, unit))
        numbered.sort(key=lambda item: (item[0], item[1]))
        unnumbered.sort(key=lambda unit: vi_sort_key(unit.name))
        self.ordered_members = [item[2] for item in numbered] + unnumbered


def _decision_file_field() -> forms.FileField:
    return forms.FileField(
        label=_label("decision_file"),
        required=False,
        help_text=_("PDF, PNG or JPEG."),
        # A plain file input: the stored file is never linked by its media URL
        # (files are served through a permission-checked view).
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}
        ),
    )


def check_decision_file(upload: Any) -> Any:
    """Refuse files over the size limit and files that are not what they claim:
    a PDF must start with %PDF-, an image with the PNG or JPEG signature."""
    if not upload:
        return upload
    limit = settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise forms.ValidationError(FILE_TOO_BIG, params={"limit": filesizeformat(limit)})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    suffix = Path(upload.name or "").suffix.lower()
    for magic, suffixes in _FILE_KINDS.values():
        if head.startswith(magic):
            if suffix not in suffixes:
                raise forms.ValidationError(FILE_CONTENT_MISMATCH, params={"name": upload.name})
            return upload
    if suffix in CONTENT_TYPES:
        raise forms.ValidationError(FILE_CONTENT_MISMATCH, params={"name": upload.name})
    raise forms.ValidationError(FILE_NOT_ALLOWED)


class _YearFieldsForm(forms.Form):
    """Theme, head, deputy and the naming decision: shared by create and edit."""

    theme = _model_field(
        ClusterYear, "theme", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    head_unit = forms.ModelChoiceField(
        label=_label("head_unit"),
        queryset=Unit.objects.none(),
        required=False,
    )
    deputy_unit = forms.ModelChoiceField(
        label=_label("deputy_unit"),
        queryset=Unit.objects.none(),
        required=False,
    )
    head_selection = _model_field(ClusterYear, "head_selection")
    decision_number = _model_field(ClusterYear, "decision_number")
    decision_date = _date_field(_label("decision_date"))
    decision_signer = _model_field(ClusterYear, "decision_signer")
    decision_file = _decision_file_field()

    def _setup_heads(self, *, organizer: Organizer, year: int | None) -> None:
        units = head_unit_choices(organizer=organizer, year=year)
        self.fields["head_unit"].queryset = units
        self.fields["deputy_unit"].queryset = units

    def clean_theme(self) -> str:
        return nfc(self.cleaned_data.get("theme") or "")

    def clean_decision_number(self) -> str:
        return nfc(self.cleaned_data.get("decision_number") or "")

    def clean_decision_signer(self) -> str:
        return nfc(self.cleaned_data.get("decision_signer") or "")

    def clean_decision_file(self) -> Any:
        return check_decision_file(self.cleaned_data.get("decision_file"))

    def year_fields(self) -> dict[str, Any]:
        """The cleaned values in the shape the services take; the file only when a
        new one was chosen ("" when the board cleared it)."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "theme",
                "head_unit",
                "deputy_unit",
                "head_selection",
                "decision_number",
                "decision_date",
                "decision_signer",
            )
        }
        upload = data.get("decision_file")
        if upload:
            fields["decision_file"] = upload
        elif data.get("remove_decision_file"):
            fields["decision_file"] = ""
        return fields


class ClusterYearCreateForm(MemberPickerMixin, _YearFieldsForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    field_order = ["year", "theme", "members", "head_unit", "deputy_unit", "head_selection"]

    def __init__(
        self,
        *args: Any,
        organizer: Organizer,
        list_year: int,
        offered: Iterable[Unit],
        initial_orders: dict[int, Any] | None = None,
        refresh_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_members(
            organizer=organizer, offered=offered, initial_orders=initial_orders or {}
        )
        self._setup_heads(organizer=organizer, year=list_year)
        if refresh_url:
            # Changing the year reloads the units of that year, keeping the ticks.
            self.fields["year"].widget.attrs.update(
                {
                    "hx-get": refresh_url,
                    "hx-trigger": "change",
                    "hx-target": "#members-block",
                    "hx-select": "#members-block",
                    "hx-swap": "outerHTML",
                    "hx-select-oob": "#id_head_unit,#id_deputy_unit",
                    "hx-include": "#members-block, #id_head_unit, #id_deputy_unit",
                }
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._clean_members()
        return cleaned


class ClusterYearEditForm(_YearFieldsForm):
    remove_decision_file = forms.BooleanField(
        label=_("Remove the current decision file"), required=False
    )

    def __init__(
        self, *args: Any, organizer: Organizer, year: int, has_file: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_heads(organizer=organizer, year=year)
        if not has_file:
            del self.fields["remove_decision_file"]


class ClusterYearThemeForm(forms.Form):
    theme = _model_field(
        ClusterYear, "theme", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )

    def clean_theme(self) -> str:
        return nfc(self.cleaned_data.get("theme") or "")


class ClusterYearMembersForm(MemberPickerMixin, forms.Form):
    def __init__(
        self,
        *args: Any,
        organizer: Organizer,
        offered: Iterable[Unit],
        initial_orders: dict[int, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_members(
            organizer=organizer, offered=offered, initial_orders=initial_orders or {}
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._clean_members()
        return cleaned


class ClusterYearStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ClusterYear.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["reason"] = nfc(cleaned.get("reason") or "")
        if cleaned.get("status") == ClusterYear.Status.OPEN and not cleaned["reason"]:
            self.add_error("reason", REASON_REQUIRED)
        return cleaned


class RotationPreviewForm(forms.Form):
    years = forms.IntegerField(label=_("Years ahead"), min_value=1, max_value=20, required=False)

    def years_ahead(self, default: int = 5) -> int:
        if self.is_valid() and self.cleaned_data["years"]:
            return self.cleaned_data["years"]
        return default
