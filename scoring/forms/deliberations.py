"""Input of the deliberation meeting and of the organizer's vote and award rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear, Unit
from core.forms import SafeModelMultipleChoiceField
from scoring.forms.periods import DeadlineField


class DeliberationForm(forms.Form):
    held_at = DeadlineField(label=_("Meeting started at"))
    ended_at = DeadlineField(label=_("Meeting ended at"), required=False)
    place = forms.CharField(label=_("Place"), max_length=300)
    chaired_by = forms.CharField(
        label=_("Chaired by (name and position)"),
        max_length=200,
        help_text=_("Also the head of the counting board in the ballot-count minutes."),
    )
    secretary = forms.CharField(label=_("Secretary (name and position)"), max_length=200)
    attendees = SafeModelMultipleChoiceField(
        label=_("Member units present"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    guests = forms.CharField(
        label=_("Guests (board and others), one a line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    proceedings = forms.CharField(
        label=_("Proceedings"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
    )
    conclusions = forms.CharField(
        label=_("Conclusions"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
    )

    def __init__(self, *args: Any, cluster_year: ClusterYear, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = Unit.objects.filter(
            memberships__cluster_year=cluster_year
        ).order_by("sort_key")

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "held_at": data["held_at"],
            "ended_at": data.get("ended_at"),
            "place": data["place"],
            "chaired_by": data["chaired_by"],
            "secretary": data["secretary"],
            "attendee_ids": [unit.pk for unit in data["attendees"]],
            "guests": data.get("guests", ""),
            "proceedings": data.get("proceedings", ""),
            "conclusions": data.get("conclusions", ""),
        }


class AwardRulesForm(forms.Form):
    quorum_numerator = forms.IntegerField(label=_("Quorum: numerator"), min_value=1)
    quorum_denominator = forms.IntegerField(label=_("Quorum: denominator"), min_value=1)
    threshold_numerator = forms.IntegerField(label=_("Approval threshold: numerator"), min_value=1)
    threshold_denominator = forms.IntegerField(
        label=_("Approval threshold: denominator"), min_value=1
    )
    threshold_strict = forms.BooleanField(
        label=_("More than the threshold (untick for “at least”)"), required=False
    )
    max_rounds = forms.IntegerField(
        label=_("Ballot rounds at most (then the head and deputy head decide)"),
        min_value=1,
        max_value=5,
    )
    flag_quota = forms.IntegerField(
        label=_("Provincial emulation flags per cluster"), min_value=0, max_value=10
    )
    merit_quota = forms.IntegerField(
        label=_("Certificates of merit per cluster"), min_value=0, max_value=10
    )
    nomination_deadline_day = forms.IntegerField(
        label=_("Nominations due by: day"), min_value=1, max_value=31
    )
    nomination_deadline_month = forms.IntegerField(
        label=_("Nominations due by: month"), min_value=1, max_value=12
    )
