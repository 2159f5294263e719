"""Forms of the scoring-period pages: input validation only; the rules live in
scoring.services.periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scoring.models import Period

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M", "%Hh%M", "%Hh"]
DEADLINE_IN_PAST = _("This moment has already passed: choose a date and time to come.")
DEADLINE_INCOMPLETE = _("Give both the date (dd/mm/yyyy) and the time (e.g. 17:00).")


class DeadlineField(forms.SplitDateTimeField):
    """A date (dd/mm/yyyy) and a time (17:00) in the local time zone."""

    widget = forms.SplitDateTimeWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_date_formats", DATE_FORMATS)
        kwargs.setdefault("input_time_formats", TIME_FORMATS)
        super().__init__(**kwargs)
        self.error_messages["incomplete"] = DEADLINE_INCOMPLETE
        self.widget = forms.SplitDateTimeWidget(
            date_format="%d/%m/%Y",
            time_format="%H:%M",
            date_attrs={
                "placeholder": "dd/mm/yyyy",
                "inputmode": "numeric",
                "class": "form-control w-auto",
                "size": 10,
                "aria-label": _("date (dd/mm/yyyy)"),
            },
            time_attrs={
                "type": "time",
                "class": "form-control w-auto",
                "aria-label": _("time (hh:mm)"),
            },
        )


def _future(form: forms.Form, names: tuple[str, ...], *, only_changed: bool) -> None:
    """A deadline set now must be in the future (when editing, one already in force
    may have passed: only the changed ones are checked)."""
    now = timezone.now()
    for name in names:
        value = form.cleaned_data.get(name)
        if value is None or (only_changed and name not in form.changed_data):
            continue
        if value <= now:
            form.add_error(name, DEADLINE_IN_PAST)


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Period"), choices=Period.Kind.choices)
    self_deadline = DeadlineField(
        label=_("Self-scoring deadline"),
        help_text=_("Units score themselves and submit by then; the form then locks."),
    )
    verification_deadline = DeadlineField(
        label=_("Verification deadline"),
        help_text=_("The head (and the other verifiers) check every scorecard by then."),
    )
    explanation_deadline = DeadlineField(
        label=_("Explanations deadline"),
        help_text=_("Units asked about a score answer by then; then the scores are final."),
    )
    deputy_verifies = forms.BooleanField(
        label=_("The deputy head verifies too"), required=False, initial=True
    )
    cross_scoring = forms.BooleanField(
        label=_("Cross-scoring: each unit's scorecard is also checked by another member unit"),
        required=False,
    )
    board_criteria = forms.MultipleChoiceField(
        label=_("Criteria the emulation board appraises itself"),
        help_text=_("For example a deduction for not signing the covenant."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    board_finalises = forms.BooleanField(
        label=_("The board confirms the final scores after the head"), required=False
    )

    CHAIN = ("deputy_verifies", "cross_scoring", "board_criteria", "board_finalises")

    def __init__(
        self,
        *args: Any,
        kinds: list[tuple[str, Any]] | None = None,
        criteria: list[tuple[str, str]] | None = None,
        period: Period | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.period = period
        if period is not None:
            # Editing: the kind stays; after opening only the deadlines change.
            del self.fields["kind"]
            if period.state != Period.State.DRAFT:
                for name in self.CHAIN:
                    del self.fields[name]
        elif kinds is not None:
            self.fields["kind"].choices = kinds
        if "board_criteria" in self.fields:
            choices = list(criteria or [])
            # Codes chosen earlier stay visible even if the table changed since.
            known = {code for code, _label in choices}
            chosen = list(period.board_criteria) if period is not None else []
            choices += [(code, code) for code in chosen if code not in known]
            self.fields["board_criteria"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _future(
            self,
            ("self_deadline", "verification_deadline", "explanation_deadline"),
            only_changed=self.period is not None,
        )
        return data

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values the period services take."""
        return {name: value for name, value in self.cleaned_data.items() if name != "kind"}


def period_initial(kind: str, year: int) -> dict[str, Any]:
    """Usual deadlines (domain.md §3): mid-year in late June, year-end in late
    November, before the nominations of early December; 17:00 local time."""

    def at(month: int, day: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime(year, month, day, 17, 0))

    month = 6 if kind == Period.Kind.MID_YEAR else 11
    dates = [at(month, 15), at(month, 25), at(month, 30)]
    if dates[0] <= timezone.now():
        # Those dates have passed: two weeks from today, then ten and five days more.
        today = timezone.localdate()
        start = timezone.make_aware(dt.datetime(today.year, today.month, today.day, 17, 0))
        dates = [start + dt.timedelta(days=days) for days in (14, 24, 29)]
    names = ("self_deadline", "verification_deadline", "explanation_deadline")
    return {"kind": kind, **dict(zip(names, dates, strict=True))}


class ReopenForm(forms.Form):
    until = DeadlineField(
        label=_("The unit may score until"),
        help_text=_("After this moment the form locks again."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The unit is told; it goes into the activity log."),
        max_length=2000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        until = data.get("until")
        if until is not None and until <= timezone.now():
            self.add_error("until", DEADLINE_IN_PAST)
        return data
