"""The criterion form of the rubric editor: input validation only.

One form for every kind: the parameter fields of the kinds not chosen are ignored
(static/js/scoring.js hides them). Numbers are typed the Vietnamese way. The rules
of the tree (unique codes, a frozen table, the target of this year's covenant) live
in the services; the sums are reported by the problems list, never blocking.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from covenants.models import Target
from scoring import formulas
from scoring.forms.fields import PointsField
from scoring.models import Criterion, CriterionKind, Rubric

# The kinds in the order people meet them, each explained in words.
KIND_ORDER = [
    CriterionKind.GROUP,
    CriterionKind.MANUAL,
    CriterionKind.PASS_FAIL,
    CriterionKind.TARGET_RATIO,
    CriterionKind.RELATIVE_LEADER,
    CriterionKind.PER_OCCURRENCE,
    CriterionKind.BONUS,
    CriterionKind.DEDUCTION,
]
KIND_HELP = {
    CriterionKind.GROUP: _(
        "A section (I, II, …) or a criterion split into parts (a, b, c): its points are "
        "the sum of the criteria inside it."
    ),
    CriterionKind.MANUAL: _(
        "The verifier gives from 0 to the maximum points, after reading the unit's "
        "report and evidence."
    ),
    CriterionKind.PASS_FAIL: _(
        "All the points if the unit meets the requirement, 0 if it does not (e.g. "
        "“report sent on time”)."
    ),
    CriterionKind.TARGET_RATIO: _(
        "Points in proportion to how much of its covenant target the unit achieved: "
        "full points once it reaches the target. Extra points for exceeding it can be "
        "added, up to a cap."
    ),
    CriterionKind.RELATIVE_LEADER: _(
        "Units are compared with each other: the unit that exceeds its target the most "
        "gets the full points, a unit exactly on target half of them, the others in "
        "between; units without a target are compared with the best among them."
    ),
    CriterionKind.PER_OCCURRENCE: _(
        "A fixed number of points each time something happened (e.g. each model that "
        "was replicated), up to the maximum."
    ),
    CriterionKind.BONUS: _(
        "Added on top of the sections for achievements beyond the table, so many "
        "points each time, up to a cap; all bonus points together stay within the "
        "table's bonus cap."
    ),
    CriterionKind.DEDUCTION: _(
        "Subtracted from the total, so many points each time (e.g. did not sign the "
        "covenant: 8 points), up to a cap; all deductions together stay within the "
        "table's deduction cap."
    ),
}
# Which parameter fields each kind uses (the maximum is a column of its own).
PARAM_FIELDS = ["points_each", "cap", "extra_points_per_step", "step_percent", "extra_cap"]
KIND_FIELDS: dict[str, list[str]] = {
    CriterionKind.GROUP: ["max_points"],
    CriterionKind.MANUAL: ["max_points"],
    CriterionKind.PASS_FAIL: ["max_points"],
    CriterionKind.TARGET_RATIO: [
        "max_points",
        "extra_points_per_step",
        "step_percent",
        "extra_cap",
        "target",
    ],
    CriterionKind.RELATIVE_LEADER: ["max_points", "target"],
    CriterionKind.PER_OCCURRENCE: ["max_points", "points_each"],
    CriterionKind.BONUS: ["points_each", "cap"],
    CriterionKind.DEDUCTION: ["points_each", "cap"],
}
# Kinds whose maximum is their cap (they sit outside the sections).
CAPPED_KINDS = {CriterionKind.BONUS, CriterionKind.DEDUCTION}

TARGET_REQUIRED = _("Choose the covenant target this criterion is scored against.")
MUST_BE_POSITIVE = _("Enter a number greater than 0.")
NO_TARGETS_HELP = _(
    "The year's covenant has no targets yet: add them on the covenant's Targets page first."
)


def kinds_for(field_name: str) -> str:
    """The kinds that show a field, as the data-kinds attribute of its wrapper."""
    return " ".join(kind for kind, names in KIND_FIELDS.items() if field_name in names)


class TargetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Target) -> str:
        measure = f" ({obj.measure})" if obj.measure else ""
        return f"{obj.indicator}{measure}"


class CriterionForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("As printed: I, II … for sections, 1, 2 … for criteria, a, b … for parts."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    title = forms.CharField(
        label=_("Title"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("How it is scored"))
    max_points = PointsField(label=_("Maximum points"), required=False)
    points_each = PointsField(label=_("Points each time"), required=False)
    cap = PointsField(
        label=_("At most (points)"),
        required=False,
        help_text=_("The most points this item can add or take away."),
    )
    extra_points_per_step = PointsField(
        label=_("Extra points per step above the target"),
        required=False,
        help_text=_("Leave the three extra-point fields empty for no extra points."),
    )
    step_percent = PointsField(label=_("Step (% above the target)"), required=False)
    extra_cap = PointsField(label=_("Extra points at most"), required=False)
    target = TargetChoiceField(
        label=_("Covenant target"), queryset=Target.objects.none(), required=False
    )
    evidence_required = forms.BooleanField(label=_("Units must attach evidence"), required=False)
    guidance = forms.CharField(
        label=_("Guidance for units"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What counts, which documents prove it; units see it when they score."),
    )
    # Where a new criterion goes (ids within the rubric; the view checks them).
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        rubric: Rubric,
        targets: list[Target],
        criterion: Criterion | None = None,
        **kwargs: Any,
    ) -> None:
        if criterion is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(criterion)
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        self.criterion = criterion
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in KIND_ORDER]
        self.fields["target"].queryset = Target.objects.filter(pk__in=[t.pk for t in targets])
        self.target_list = targets
        if rubric.cluster_year_id is None:
            del self.fields["target"]
        elif not targets:
            self.fields["target"].help_text = NO_TARGETS_HELP
        self.params_errors: list[str] = []
        self.fields["max_points"].help_text = ""

    # Rendering helpers ---------------------------------------------------------------

    def kind_options(self) -> list[dict[str, Any]]:
        chosen = self["kind"].value() or CriterionKind.MANUAL
        return [
            {
                "value": kind.value,
                "label": kind.label,
                "help": KIND_HELP[kind],
                "checked": kind.value == chosen,
                "id": f"{self.auto_id_for('kind')}_{index}",
            }
            for index, kind in enumerate(KIND_ORDER)
        ]

    def auto_id_for(self, name: str) -> str:
        return self[name].auto_id or f"id_{name}"

    def param_fields(self) -> list[dict[str, Any]]:
        names = ["max_points", *PARAM_FIELDS]
        if "target" in self.fields:
            names.append("target")
        return [{"field": self[name], "kinds": kinds_for(name)} for name in names]

    @property
    def chosen_kind(self) -> str:
        return str(self["kind"].value() or CriterionKind.MANUAL)

    # Validation ------------------------------------------------------------------------

    def clean_code(self) -> str:
        return " ".join(self.cleaned_data["code"].split())

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        if kind == CriterionKind.GROUP:
            return data
        cls = formulas.params_class(kind)
        positive = {name for name, must in cls.amounts if must}
        values: dict[str, Any] = {}
        missing = False
        for name, _must in cls.amounts:
            source = "max_points" if name == "max_points" else name
            if source in self.errors:
                missing = True
                continue
            value = data.get(source)
            if value is None:
                if name in positive:
                    self.add_error(source, forms.Field.default_error_messages["required"])
                    missing = True
                continue
            if name in positive and value <= 0:
                self.add_error(source, MUST_BE_POSITIVE)
                missing = True
                continue
            values[name] = value
        if (
            "target" in self.fields
            and kind == CriterionKind.TARGET_RATIO
            and not data.get("target")
            and "target" not in self.errors
        ):
            self.add_error("target", TARGET_REQUIRED)
        if missing:
            return data
        try:
            self.params = formulas.params_from_dict(kind, values)
        except formulas.InvalidParameters as exc:
            self.params_errors = exc.messages
            self.add_error(None, exc.messages)
        return data

    def criterion_fields(self, *, group_total: Decimal | None = None) -> dict[str, Any]:
        """Keyword arguments of criterion_add / criterion_update."""
        data = self.cleaned_data
        kind = data["kind"]
        if kind == CriterionKind.GROUP:
            max_points = data.get("max_points")
            if max_points is None:
                max_points = group_total if group_total is not None else Decimal(0)
            params: dict[str, Any] = {}
        else:
            params = self.params.to_dict()
            params.pop("max_points", None)
            max_points = data["cap"] if kind in CAPPED_KINDS else data["max_points"]
        target = data.get("target") if kind in {"target_ratio", "relative_leader"} else None
        return {
            "code": data["code"],
            "title": data["title"],
            "kind": kind,
            "max_points": max_points,
            "params": params,
            "guidance": data.get("guidance", ""),
            "evidence_required": data.get("evidence_required", False),
            "target": target,
        }


def initial_for(criterion: Criterion) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "code": criterion.code,
        "title": criterion.title,
        "kind": criterion.kind,
        "max_points": criterion.max_points,
        "guidance": criterion.guidance,
        "evidence_required": criterion.evidence_required,
        "target": criterion.target_id,
    }
    for name in PARAM_FIELDS:
        value = (criterion.params or {}).get(name)
        if value not in (None, ""):
            try:
                initial[name] = Decimal(str(value))
            except ArithmeticError:
                initial[name] = value
    if criterion.kind in CAPPED_KINDS and "cap" not in initial:
        initial["cap"] = criterion.max_points
    return initial


# A suggested code for a new criterion ----------------------------------------------------

_ROMAN = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]  # fmt: skip
_ROMAN_RE = re.compile(r"^(?=[MDCLXVI])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def to_roman(number: int) -> str:
    text = ""
    for value, letters in _ROMAN:
        while number >= value:
            text += letters
            number -= value
    return text


def from_roman(text: str) -> int:
    total, index = 0, 0
    for value, letters in _ROMAN:
        while text[index : index + len(letters)] == letters:
            total += value
            index += len(letters)
    return total


def _successor(code: str) -> str:
    """The code after ``code``: II after I, 4 after 3, c after b, 2.3 after 2.2."""
    if _ROMAN_RE.match(code):
        return to_roman(from_roman(code) + 1)
    match = re.match(r"^(.*?)(\d+)$", code)
    if match:
        return f"{match.group(1)}{int(match.group(2)) + 1}"
    if code and code[-1] in _LETTERS and code[-1] != "z":
        return code[:-1] + _LETTERS[_LETTERS.index(code[-1]) + 1]
    return ""


def next_code(*, siblings: list[str], parent_code: str | None, kind: str, taken: set[str]) -> str:
    """A code for a new criterion, following its siblings' numbering; "" when no
    sensible suggestion exists. Codes are unique in the whole table, so a taken
    suggestion moves on (criteria are often numbered on across sections)."""
    if siblings:
        candidate = _successor(siblings[-1])
    elif kind == CriterionKind.BONUS:
        candidate = "T1"
    elif kind == CriterionKind.DEDUCTION:
        candidate = "TR1"
    elif parent_code is None:
        candidate = "I"
    elif _ROMAN_RE.match(parent_code):
        candidate = "1"
    else:
        candidate = f"{parent_code}.1"
    for _attempt in range(200):
        if not candidate or candidate not in taken:
            return candidate
        candidate = _successor(candidate)
    return ""
