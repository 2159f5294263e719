"""Input validation of the verification pages (the services check the rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import reauth
from core.forms import SafeModelMultipleChoiceField
from scoring.forms.fields import PointsField, PointsInput
from scoring.models import Entry, Evidence, Scorecard

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.datetime):
            # The field hands over local time, naive; an aware value is made local here.
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return super().format_value(value)


class ProposeForm(forms.Form):
    """A verifier's points on one criterion and, when they differ, why."""

    points = PointsField(
        label=_("Points"),
        required=False,
        widget=PointsInput({"class": "form-control form-control-sm points-input"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "class": "form-control form-control-sm mt-1 reason-input",
                "placeholder": _("Reason (required when different)"),
            }
        ),
    )


class ReturnForm(forms.Form):
    entries = SafeModelMultipleChoiceField(
        label=_("Criteria to explain"),
        queryset=Entry.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    question = forms.CharField(
        label=_("What must the unit explain?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deadline = forms.DateTimeField(
        label=_("Answer by"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeLocalInput({"class": "form-control w-auto"}),
    )

    def __init__(self, *args: Any, scorecard: Scorecard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entries"].queryset = (
            Entry.objects.filter(scorecard=scorecard)
            .select_related("criterion")
            .order_by("criterion__order", "criterion__pk")
        )
        self.fields["entries"].label_from_instance = lambda entry: (
            f"{entry.criterion.code}. {entry.criterion.title}"
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    evidence = SafeModelMultipleChoiceField(
        label=_("Evidence backing it"),
        queryset=Evidence.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, scorecard: Scorecard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(
            scorecard=scorecard, withdrawn_at__isnull=True
        ).order_by("created_at", "pk")


class FinaliseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked the points: finalising cannot be undone."),
        required=True,
        error_messages={"required": _("Tick the box to confirm: finalising cannot be undone.")},
    )

    def __init__(self, *args, ask_password: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if ask_password:
            # Finalising binds the cluster: the verifier confirms it is them.
            self.fields["password"] = reauth.password_field()


class AssignmentForm(forms.Form):
    reviewer_unit = forms.TypedChoiceField(
        label=_("Scored by"),
        coerce=int,
        choices=(),
        required=True,
        error_messages={
            "required": _("Choose the unit that scores this scorecard."),
            "invalid_choice": _("Choose one of the cluster's member units."),
        },
    )

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.pk: unit for unit in units}
        self.fields["reviewer_unit"].choices = [(unit.pk, unit.name) for unit in units]

    @property
    def unit(self) -> Any:
        return self.units[self.cleaned_data["reviewer_unit"]]
