"""How each criterion of a scoring table turns a unit's inputs into points.

A pure module: no database, no project models, so every formula can be tested
exhaustively (tests/test_scoring_formulas.py). The models store a criterion's kind
(``CriterionKind``) and its parameters as a JSON object (``params.to_dict()`` /
``params_from_dict``); services build one ``UnitInput`` per member unit and call
``compute(kind, params, inputs)``.

Numbers
    Everything is ``decimal.Decimal``; floats are refused. Ratios are worked out at 34
    significant digits and rounded once, at the end, to 2 decimals ROUND_HALF_UP
    (``round_points``). ``Result.points`` is that rounded value: it is what a unit sees,
    what is stored and what is added up into totals, so a scoring table always adds up
    on paper. ``Result.exact`` keeps the unrounded value for anyone who needs it.
    Maxima, caps and points per occurrence have at most 2 decimals, so rounding never
    takes points past a maximum.

Criterion kinds (domain.md section 5; MS = maximum points, T = target, A = achieved)
    manual          the verifier enters points; clamped to [0, MS].
    pass_fail       met → MS, not met → 0.
    target_ratio    MS × min(A / T, 1). Optional extra points for exceeding the target:
                    ``extra_points_per_step`` for each *full* ``step_percent`` % above T,
                    at most ``extra_cap``. The extra points sit on top of MS, so such a
                    criterion gives at most MS + extra_cap (``params.ceiling``); only MS
                    counts towards its section's maximum, and ``clamp_total`` keeps the
                    final total within the scale. A unit without a usable target (none,
                    or T ≤ 0) gets 0 and the target is reported missing.
    relative_leader the police-cluster formula, which needs the whole cluster at once.
                    Units with a target (T > 0): A < T → 0,5 × MS × A / T; A = T →
                    0,5 × MS; the over-achiever with the highest ratio r = A / T → MS
                    (all of them on a tie); other over-achievers 0,5 × MS + 0,5 × MS ×
                    (r − 1) / (r_best − 1). Units without a target (none or T ≤ 0):
                    MS × A / max(A among units without a target), 0 when that maximum
                    is 0.
    per_occurrence  count × points_each, at most MS.
    bonus           count × points_each, at most ``cap``.
    deduction       count × points_each, at most ``cap``. Returned as a NON-NEGATIVE
                    amount to subtract (6 means "minus 6"), like the deduction argument
                    of ``clamp_total``.
    group           a node that only adds up its children; not computed here.

Inputs that cannot be right never raise inside ``compute``: a missing value gives 0
points and is listed in ``Result.missing`` (names of ``UnitInput`` fields); a negative
value counts as 0, manual points above MS count as MS, each with a note in
``Result.warnings``. Forms refuse such values up front with ``validate_input``.
Nothing ever divides by zero.

Totals (``clamp_total``): min(sum of sections, scale total) + min(bonus, bonus cap)
− min(deductions, deduction cap), never below 0.

Text: parameter errors, warnings and explanations are English msgids translated with
gettext (Vietnamese by default) at the moment they are produced; the numbers in them
are always written the Vietnamese way ("6,67", "1.000") with ``core.text.vi_number``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.text import vi_number

ZERO = Decimal(0)
HALF = Decimal("0.5")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Maxima, caps and points per occurrence must stay below this (fits a DecimalField with
# 8 digits and 2 decimals, and keeps every product far inside the working precision).
POINTS_LIMIT = Decimal(1_000_000)
# Significant digits for ratios before the final rounding to 2 decimals.
WORKING_PRECISION = 34


class CriterionKind(models.TextChoices):
    MANUAL = "manual", _("Manual points")
    PASS_FAIL = "pass_fail", _("Pass / fail")
    TARGET_RATIO = "target_ratio", _("Target ratio")
    RELATIVE_LEADER = "relative_leader", _("Relative to the best unit in the cluster")
    PER_OCCURRENCE = "per_occurrence", _("Per occurrence")
    BONUS = "bonus", _("Bonus points")
    DEDUCTION = "deduction", _("Deduction")
    GROUP = "group", _("Group (sum of its sub-criteria)")


# Kinds whose maximum counts towards the parent's maximum and the scale total.
SCORED_KINDS = frozenset(
    {
        CriterionKind.MANUAL,
        CriterionKind.PASS_FAIL,
        CriterionKind.TARGET_RATIO,
        CriterionKind.RELATIVE_LEADER,
        CriterionKind.PER_OCCURRENCE,
    }
)
# Kinds that sit outside the total and are clamped by the rubric's caps.
ADJUSTMENT_KINDS = frozenset({CriterionKind.BONUS, CriterionKind.DEDUCTION})
COMPUTED_KINDS = SCORED_KINDS | ADJUSTMENT_KINDS

# Names used in Result.missing (the UnitInput field that was not given).
MISSING_TARGET = "target"
MISSING_ACHIEVED = "achieved"
MISSING_POINTS = "points"
MISSING_PASSED = "passed"
MISSING_COUNT = "count"


class InvalidParameters(ValueError):
    """A criterion's parameters are not usable; ``messages`` says why, for people."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(str(message) for message in messages))
        self.messages = [str(message) for message in messages]


# --- numbers -----------------------------------------------------------------------


def round_points(value: Decimal) -> Decimal:
    """Points as shown, stored and added up: 2 decimals, half up (6,665 → 6,67)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _num(value: Decimal | int, places: int = 2) -> str:
    """A number for an explanation: Vietnamese separators, no trailing zeros."""
    if isinstance(value, int):
        return vi_number(value)
    return vi_number(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _to_decimal(value: Any) -> Decimal | None:
    """Decimal from a Decimal, int or numeric string; None stays None. Floats refused."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, float)):
        raise TypeError(f"scoring formulas take Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"cannot read {type(value).__name__} as a number")


# --- parameters --------------------------------------------------------------------

_LABELS = {
    "max_points": _("Maximum points"),
    "points_each": _("Points each time"),
    "cap": _("Cap"),
    "extra_points_per_step": _("Extra points per step"),
    "step_percent": _("Step (%)"),
    "extra_cap": _("Cap on extra points"),
}


def _check_amount(name: str, value: Any, *, positive: bool) -> list[str]:
    label = _LABELS[name]
    if not isinstance(value, Decimal) or not value.is_finite():
        return [gettext("%(field)s must be a number.") % {"field": label}]
    errors = []
    if positive and value <= 0:
        errors.append(gettext("%(field)s must be greater than 0.") % {"field": label})
    elif value < 0:
        errors.append(gettext("%(field)s cannot be negative.") % {"field": label})
    if value.quantize(CENT, rounding=ROUND_HALF_UP) != value:
        errors.append(gettext("%(field)s can have at most 2 decimal places.") % {"field": label})
    if value >= POINTS_LIMIT:
        errors.append(
            gettext("%(field)s must be less than %(limit)s.")
            % {"field": label, "limit": _num(POINTS_LIMIT)}
        )
    return errors


@dataclass(frozen=True)
class _Params:
    """Shared behaviour of the parameter classes; each declares its amounts."""

    kind: ClassVar[CriterionKind]
    # (field name, must be > 0); the others must be ≥ 0.
    amounts: ClassVar[tuple[tuple[str, bool], ...]]

    def validate(self) -> list[str]:
        """Messages for people (translated), empty when the parameters are usable."""
        errors: list[str] = []
        for name, positive in self.amounts:
            errors.extend(_check_amount(name, getattr(self, name), positive=positive))
        if not errors:
            errors.extend(self._validate_together())
        return errors

    def _validate_together(self) -> list[str]:
        return []

    @property
    def ceiling(self) -> Decimal:
        """The most points this criterion can give one unit."""
        return self.max_points  # type: ignore[attr-defined]

    def describe(self) -> str:
        """The formula in plain words, with this criterion's numbers, for units."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, str]:
        """JSON-ready: every amount as a decimal string ("0.5"), exact both ways."""
        return {item.name: str(getattr(self, item.name)) for item in fields(self)}


@dataclass(frozen=True)
class ManualParams(_Params):
    max_points: Decimal

    kind: ClassVar[CriterionKind] = CriterionKind.MANUAL
    amounts: ClassVar[tuple[tuple[str, bool], ...]] = (("max_points", True),)

    def describe(self) -> str:
        return gettext("The verifier gives from 0 to %(max)s points.") % {
            "max": _num(self.max_points)
        }


@dataclass(frozen=True)
class PassFailParams(_Params):
    max_points: Decimal

    kind: ClassVar[CriterionKind] = CriterionKind.PASS_FAIL
    amounts: ClassVar[tuple[tuple[str, bool], ...]] = (("max_points", True),)

    def describe(self) -> str:
        return gettext("Met: %(max)s points; not met: 0 points.") % {"max": _num(self.max_points)}


@dataclass(frozen=True)
class TargetRatioParams(_Params):
    max_points: Decimal
    extra_points_per_step: Decimal = ZERO
    step_percent: Decimal = ZERO
    extra_cap: Decimal = ZERO

    kind: ClassVar[CriterionKind] = CriterionKind.TARGET_RATIO
    amounts: ClassVar[tuple[tuple[str, bool], ...]] = (
        ("max_points", True),
        ("extra_points_per_step", False),
        ("step_percent", False),
        ("extra_cap", False),
    )

    @property
    def has_extra(self) -> bool:
        return self.extra_points_per_step > 0

    @property
    def ceiling(self) -> Decimal:
        return self.max_points + self.extra_cap

    def _validate_together(self) -> list[str]:
        extras = (self.extra_points_per_step, self.step_percent, self.extra_cap)
        if any(value > 0 for value in extras) and not all(value > 0 for value in extras):
            return [
                gettext(
                    "Extra points for exceeding the target need all three: points per "
                    "step, step in percent and cap (or leave all three at 0)."
                )
            ]
        return []

    def describe(self) -> str:
        text = gettext("Points = %(max)s × min(achieved / target, 1).") % {
            "max": _num(self.max_points)
        }
        if self.has_extra:
            text += " " + gettext(
                "Exceeding the target earns %(extra)s points for each full %(step)s%% "
                "above it, at most %(cap)s points."
            ) % {
                "extra": _num(self.extra_points_per_step),
                "step": _num(self.step_percent),
                "cap": _num(self.extra_cap),
            }
        return text


@dataclass(frozen=True)
class RelativeLeaderParams(_Params):
    max_points: Decimal

    kind: ClassVar[CriterionKind] = CriterionKind.RELATIVE_LEADER
    amounts: ClassVar[tuple[tuple[str, bool], ...]] = (("max_points", True),)

    def describe(self) -> str:
        return gettext(
            "Units with a target: below the target 0.5 × %(max)s × achieved / target; "
            "exactly the target %(half)s points; the unit exceeding its target by the "
            "highest ratio in the cluster %(max)s points; other units exceeding their "
            "target between %(half)s and %(max)s points, in proportion to how far they "
            "exceed it compared with the best. Units without a target: %(max)s × "
            "achieved / the highest result among units without a target."
        ) % {"max": _num(self.max_points), "half": _num(self.max_points * HALF)}


@dataclass(frozen=True)
class PerOccurrenceParams(_Params):
    max_points: Decimal
    points_each: Decimal

    kind: ClassVar[CriterionKind] = CriterionKind.PER_OCCURRENCE
    amounts: ClassVar[tuple[tuple[str, bool], ...]] = (
        ("max_points", True),
        ("points_each", True),
    )

    def describe(self) -> str:
        return gettext("Points = %(each)s × number of times, at most %(max)s points.") % {
            "each": _num(self.points_each),
            "max": _num(self.max_points),
        }


@dataclass(frozen=True)
class _CountedWithCap(_Params):
    """Points for each occurrence, clamped by a cap (bonus and deduction)."""

    points_each: Decimal
    cap: Decimal

    amounts: ClassVar[tuple[tuple[str, bool], ...]] = (("points_each", True), ("cap", True))

    @property
    def ceiling(self) -> Decimal:
        return self.cap

    def _sentence(self) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        return self._sentence() % {"each": _num(self.points_each), "cap": _num(self.cap)}


@dataclass(frozen=True)
class BonusParams(_CountedWithCap):
    kind: ClassVar[CriterionKind] = CriterionKind.BONUS

    def _sentence(self) -> str:
        return gettext("Bonus = %(each)s points × number of times, at most %(cap)s points.")


@dataclass(frozen=True)
class DeductionParams(_CountedWithCap):
    kind: ClassVar[CriterionKind] = CriterionKind.DEDUCTION

    def _sentence(self) -> str:
        return gettext("Deduction = %(each)s points × number of times, at most %(cap)s points.")


Params = (
    ManualParams
    | PassFailParams
    | TargetRatioParams
    | RelativeLeaderParams
    | PerOccurrenceParams
    | BonusParams
    | DeductionParams
)

PARAMS_BY_KIND: dict[str, type[_Params]] = {
    CriterionKind.MANUAL: ManualParams,
    CriterionKind.PASS_FAIL: PassFailParams,
    CriterionKind.TARGET_RATIO: TargetRatioParams,
    CriterionKind.RELATIVE_LEADER: RelativeLeaderParams,
    CriterionKind.PER_OCCURRENCE: PerOccurrenceParams,
    CriterionKind.BONUS: BonusParams,
    CriterionKind.DEDUCTION: DeductionParams,
}


def params_class(kind: str) -> type[_Params]:
    try:
        return PARAMS_BY_KIND[kind]
    except KeyError:
        raise ValueError(f"criterion kind {kind!r} has no formula") from None


def params_from_dict(kind: str, data: Mapping[str, Any]) -> Params:
    """Parameters from stored or imported data; raises InvalidParameters with every
    problem (unknown names, non-numbers, out-of-range values) at once.

    Amounts may be Decimals, ints or decimal strings ("0.5"; "0,5" is read too).
    """
    cls = params_class(kind)
    names = [item.name for item in fields(cls)]
    errors = [
        gettext("Unknown parameter: %(name)s.") % {"name": key} for key in data if key not in names
    ]
    values: dict[str, Any] = {}
    for item in fields(cls):
        if item.name not in data or data[item.name] in (None, ""):
            if not isinstance(item.default, Decimal):
                errors.append(gettext("%(field)s is required.") % {"field": _LABELS[item.name]})
            continue
        raw = data[item.name]
        try:
            if isinstance(raw, float):
                raw = str(raw)  # JSON numbers: read them as written
            if isinstance(raw, str) and "," in raw and "." not in raw:
                raw = raw.replace(",", ".")
            values[item.name] = _to_decimal(raw)
        except (InvalidOperation, TypeError):
            values[item.name] = raw  # reported below as not a number
    if errors:
        # Check what was given too, so the person fixing the data sees every problem.
        for name, positive in cls.amounts:
            if name in values:
                errors.extend(_check_amount(name, values[name], positive=positive))
        raise InvalidParameters(errors)
    params = cls(**values)
    errors = params.validate()
    if errors:
        raise InvalidParameters(errors)
    return params  # type: ignore[return-value]


# --- inputs and results ------------------------------------------------------------


@dataclass(frozen=True)
class UnitInput:
    """What one member unit brings to one criterion; None means "not given".

    target / achieved: the covenant target and the result (target_ratio,
    relative_leader); points: manual points; passed: pass_fail; count: per_occurrence,
    bonus, deduction. Ints and decimal strings are turned into Decimals; floats and
    non-finite numbers are refused (TypeError / ValueError).
    """

    unit_id: Hashable
    target: Decimal | None = None
    achieved: Decimal | None = None
    points: Decimal | None = None
    passed: bool | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        for name in ("target", "achieved", "points"):
            value = _to_decimal(getattr(self, name))
            if value is not None and not value.is_finite():
                raise ValueError(f"{name} must be a finite number")
            object.__setattr__(self, name, value)
        if self.count is not None:
            count = self.count
            if isinstance(count, Decimal) and count == count.to_integral_value():
                count = int(count)
            if isinstance(count, bool) or not isinstance(count, int):
                raise TypeError("count must be an int")
            object.__setattr__(self, "count", count)
        if self.passed is not None and not isinstance(self.passed, bool):
            raise TypeError("passed must be True, False or None")


@dataclass(frozen=True)
class Result:
    """One unit's points on one criterion.

    points: rounded to 2 decimals, within [0, params.ceiling]; for a deduction it is the
    amount to subtract. exact: before rounding. explanation: the formula with this
    unit's numbers. missing: UnitInput fields that were needed but not given.
    warnings: inputs that were out of range and how they were counted.
    """

    unit_id: Hashable
    points: Decimal
    exact: Decimal
    explanation: str
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing


def _result(
    unit_id: Hashable,
    exact: Decimal,
    explanation: str,
    missing: Iterable[str] = (),
    warnings: Iterable[str] = (),
) -> Result:
    return Result(
        unit_id=unit_id,
        points=round_points(exact),
        exact=exact,
        explanation=explanation,
        missing=tuple(missing),
        warnings=tuple(warnings),
    )


def _negative_warning(value: Decimal | int) -> str:
    return gettext("The negative value %(value)s was counted as 0.") % {"value": _num(value)}


def _not_positive_target_warning(value: Decimal) -> str:
    return gettext("The target %(value)s is not above 0 and cannot be used.") % {
        "value": _num(value)
    }


def _non_negative(value: Decimal, warnings: list[str]) -> Decimal:
    if value < 0:
        warnings.append(_negative_warning(value))
        return ZERO
    return value


def validate_input(kind: str, params: Params, unit_input: UnitInput) -> list[str]:
    """What a form should refuse before saving (compute() would clamp it instead)."""
    errors: list[str] = []
    if unit_input.target is not None and unit_input.target < 0:
        errors.append(gettext("The target cannot be negative."))
    if unit_input.achieved is not None and unit_input.achieved < 0:
        errors.append(gettext("The achieved value cannot be negative."))
    if unit_input.points is not None and kind == CriterionKind.MANUAL:
        if not ZERO <= unit_input.points <= params.ceiling:
            errors.append(
                gettext("Points must be between 0 and %(max)s.") % {"max": _num(params.ceiling)}
            )
        if unit_input.points != unit_input.points.quantize(CENT, rounding=ROUND_HALF_UP):
            errors.append(gettext("Points can have at most 2 decimal places."))
    if unit_input.count is not None and unit_input.count < 0:
        errors.append(gettext("The number of times cannot be negative."))
    if kind == CriterionKind.TARGET_RATIO and unit_input.target == 0:
        errors.append(gettext("The target must be greater than 0."))
    return errors


# --- the formulas ------------------------------------------------------------------


def _manual(params: ManualParams, item: UnitInput) -> Result:
    if item.points is None:
        return _result(
            item.unit_id, ZERO, gettext("No points entered yet: 0 points."), [MISSING_POINTS]
        )
    warnings: list[str] = []
    points = _non_negative(item.points, warnings)
    if points > params.max_points:
        warnings.append(
            gettext("%(value)s points is above the maximum and was counted as %(max)s.")
            % {"value": _num(points), "max": _num(params.max_points)}
        )
        points = params.max_points
    explanation = gettext("Points given: %(points)s.") % {"points": _num(points)}
    return _result(item.unit_id, points, explanation, warnings=warnings)


def _pass_fail(params: PassFailParams, item: UnitInput) -> Result:
    if item.passed is None:
        return _result(item.unit_id, ZERO, gettext("Not assessed yet: 0 points."), [MISSING_PASSED])
    if item.passed:
        text = gettext("Met: %(points)s points.") % {"points": _num(params.max_points)}
        return _result(item.unit_id, params.max_points, text)
    return _result(item.unit_id, ZERO, gettext("Not met: 0 points."))


def _missing_achieved(item: UnitInput, warnings: list[str]) -> Result:
    return _result(
        item.unit_id,
        ZERO,
        gettext("No achieved value entered yet: 0 points."),
        [MISSING_ACHIEVED],
        warnings,
    )


def _target_ratio(params: TargetRatioParams, item: UnitInput) -> Result:
    warnings: list[str] = []
    missing: list[str] = []
    target = item.target
    if target is not None and target <= 0:
        warnings.append(_not_positive_target_warning(target))
    if target is None or target <= 0:
        missing.append(MISSING_TARGET)
    if item.achieved is None:
        missing.append(MISSING_ACHIEVED)
    if MISSING_TARGET in missing:
        text = gettext("No usable target for this unit: 0 points.")
        return _result(item.unit_id, ZERO, text, missing, warnings)
    if missing:
        return _missing_achieved(item, warnings)
    assert target is not None and item.achieved is not None
    achieved = _non_negative(item.achieved, warnings)
    ms = params.max_points
    base = ms if achieved >= target else ms * achieved / target
    parts = [
        gettext("%(max)s × min(%(achieved)s / %(target)s, 1) = %(base)s points")
        % {
            "max": _num(ms),
            "achieved": _num(achieved),
            "target": _num(target),
            "base": _num(round_points(base)),
        }
    ]
    extra = ZERO
    if params.has_extra and achieved > target:
        # Whole steps only, counted on exact decimals so 110 / 100 is exactly one 10 % step.
        steps = ((achieved - target) * HUNDRED / (target * params.step_percent)).to_integral_value(
            rounding=ROUND_FLOOR
        )
        extra = min(steps * params.extra_points_per_step, params.extra_cap)
        parts.append(
            gettext(
                "%(percent)s%% above the target: %(steps)s × %(each)s = %(extra)s extra "
                "points (at most %(cap)s)"
            )
            % {
                "percent": _num((achieved - target) * HUNDRED / target),
                "steps": _num(steps, 0),
                "each": _num(params.extra_points_per_step),
                "extra": _num(extra),
                "cap": _num(params.extra_cap),
            }
        )
        parts.append(
            gettext("total %(points)s points") % {"points": _num(round_points(base + extra))}
        )
    return _result(item.unit_id, base + extra, "; ".join(parts) + ".", warnings=warnings)


def _relative_leader(params: RelativeLeaderParams, inputs: list[UnitInput]) -> dict:
    ms = params.max_points
    half = ms * HALF
    results: dict[Hashable, Result] = {}
    with_target: list[tuple[UnitInput, Decimal, Decimal, list[str]]] = []
    without_target: list[tuple[UnitInput, Decimal, list[str]]] = []
    for item in inputs:
        warnings: list[str] = []
        target = item.target
        if target is not None and target <= 0:
            warnings.append(
                gettext("The target %(value)s is not above 0: scored as a unit without a target.")
                % {"value": _num(target)}
            )
            target = None
        if item.achieved is None:
            results[item.unit_id] = _missing_achieved(item, warnings)
            continue
        achieved = _non_negative(item.achieved, warnings)
        if target is None:
            without_target.append((item, achieved, warnings))
        else:
            with_target.append((item, target, achieved, warnings))

    ratios = [achieved / target for _, target, achieved, _ in with_target if achieved > target]
    best = max(ratios, default=None)
    for item, target, achieved, warnings in with_target:
        numbers = {
            "max": _num(ms),
            "half": _num(half),
            "achieved": _num(achieved),
            "target": _num(target),
        }
        if achieved < target:
            points = half * achieved / target
            text = gettext(
                "Below the target: 0.5 × %(max)s × %(achieved)s / %(target)s = %(points)s points."
            )
        elif achieved == target:
            points = half
            text = gettext("Exactly the target (%(achieved)s / %(target)s): %(points)s points.")
        else:
            assert best is not None
            ratio = achieved / target
            numbers["ratio"] = _num(ratio, 4)
            numbers["best"] = _num(best, 4)
            if ratio == best:
                points = ms
                text = gettext(
                    "Highest ratio above the target in the cluster (%(achieved)s / "
                    "%(target)s = %(ratio)s): %(points)s points."
                )
            else:
                points = half + half * (ratio - 1) / (best - 1)
                text = gettext(
                    "Above the target: 0.5 × %(max)s + 0.5 × %(max)s × (%(ratio)s − 1) / "
                    "(%(best)s − 1) = %(points)s points, where %(ratio)s = %(achieved)s / "
                    "%(target)s and %(best)s is the highest ratio in the cluster."
                )
        numbers["points"] = _num(round_points(points))
        results[item.unit_id] = _result(item.unit_id, points, text % numbers, warnings=warnings)

    highest = max((achieved for _, achieved, _ in without_target), default=ZERO)
    for item, achieved, warnings in without_target:
        if highest == 0:
            text = gettext(
                "No target, and no unit without a target has a result above 0: 0 points."
            )
            results[item.unit_id] = _result(item.unit_id, ZERO, text, warnings=warnings)
            continue
        points = ms * achieved / highest
        text = gettext(
            "No target: %(max)s × %(achieved)s / %(highest)s (the highest result among "
            "units without a target) = %(points)s points."
        ) % {
            "max": _num(ms),
            "achieved": _num(achieved),
            "highest": _num(highest),
            "points": _num(round_points(points)),
        }
        results[item.unit_id] = _result(item.unit_id, points, text, warnings=warnings)
    return results


_COUNT_TEXT = {
    CriterionKind.PER_OCCURRENCE: (
        _("%(count)s times × %(each)s = %(points)s points."),
        _("%(count)s times × %(each)s = %(raw)s, counted as the maximum of %(points)s points."),
    ),
    CriterionKind.BONUS: (
        _("Bonus: %(count)s times × %(each)s = %(points)s points."),
        _("Bonus: %(count)s times × %(each)s = %(raw)s, counted as the cap of %(points)s points."),
    ),
    CriterionKind.DEDUCTION: (
        _("Deduction: %(count)s times × %(each)s = %(points)s points."),
        _(
            "Deduction: %(count)s times × %(each)s = %(raw)s, counted as the cap of "
            "%(points)s points."
        ),
    ),
}


def _per_count(params: PerOccurrenceParams | BonusParams | DeductionParams, item: UnitInput):
    if item.count is None:
        return _result(
            item.unit_id,
            ZERO,
            gettext("Number of times not entered yet: 0 points."),
            [MISSING_COUNT],
        )
    warnings: list[str] = []
    count = item.count
    if count < 0:
        warnings.append(_negative_warning(count))
        count = 0
    raw = count * params.points_each
    points = min(raw, params.ceiling)
    plain, capped = _COUNT_TEXT[params.kind]
    text = (capped if raw > points else plain) % {
        "count": _num(count),
        "each": _num(params.points_each),
        "raw": _num(raw),
        "points": _num(points),
    }
    return _result(item.unit_id, points, str(text), warnings=warnings)


def compute(kind: str, params: Params, inputs: Iterable[UnitInput]) -> dict[Hashable, Result]:
    """Points of every unit on one criterion, keyed by unit_id.

    Pass the whole cluster: relative_leader compares the units with each other; the
    other kinds score each unit on its own. Raises InvalidParameters for unusable
    parameters and ValueError for programming errors (wrong params class, group kind,
    the same unit twice); never for a unit's values.
    """
    cls = params_class(kind)
    if not isinstance(params, cls):
        raise ValueError(f"{kind} needs {cls.__name__}, not {type(params).__name__}")
    errors = params.validate()
    if errors:
        raise InvalidParameters(errors)
    inputs = list(inputs)
    ids = [item.unit_id for item in inputs]
    if len(set(ids)) != len(ids):
        raise ValueError("each unit may appear only once")
    with localcontext() as context:
        context.prec = WORKING_PRECISION
        context.rounding = ROUND_HALF_UP
        if kind == CriterionKind.RELATIVE_LEADER:
            results = _relative_leader(params, inputs)  # type: ignore[arg-type]
        else:
            formula = {
                CriterionKind.MANUAL: _manual,
                CriterionKind.PASS_FAIL: _pass_fail,
                CriterionKind.TARGET_RATIO: _target_ratio,
                CriterionKind.PER_OCCURRENCE: _per_count,
                CriterionKind.BONUS: _per_count,
                CriterionKind.DEDUCTION: _per_count,
            }[CriterionKind(kind)]
            results = {item.unit_id: formula(params, item) for item in inputs}  # type: ignore[arg-type]
    return {unit_id: results[unit_id] for unit_id in ids}


# --- totals ------------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    """A unit's total and how the caps shaped it (all rounded to 2 decimals)."""

    sections: Decimal  # sum of the sections, at most the scale total
    bonus: Decimal  # bonus counted, at most the bonus cap
    deduction: Decimal  # deduction counted (non-negative), at most the deduction cap
    total: Decimal  # sections + bonus − deduction, never below 0


def _sum(points: Decimal | Iterable[Decimal]) -> Decimal:
    if isinstance(points, Decimal):
        return points
    return sum((_to_decimal(value) or ZERO for value in points), ZERO)


def total_breakdown(
    section_points: Decimal | Iterable[Decimal],
    bonus_points: Decimal | Iterable[Decimal] = ZERO,
    deduction_points: Decimal | Iterable[Decimal] = ZERO,
    *,
    scale_total: Decimal,
    bonus_cap: Decimal,
    deduction_cap: Decimal,
) -> Total:
    """See clamp_total. Negative bonus or deduction sums count as 0."""
    if scale_total <= 0 or bonus_cap < 0 or deduction_cap < 0:
        raise ValueError("the scale total must be above 0 and the caps not negative")
    sections = max(min(_sum(section_points), scale_total), ZERO)
    bonus = min(max(_sum(bonus_points), ZERO), bonus_cap)
    deduction = min(max(_sum(deduction_points), ZERO), deduction_cap)
    total = max(sections + bonus - deduction, ZERO)
    return Total(
        sections=round_points(sections),
        bonus=round_points(bonus),
        deduction=round_points(deduction),
        total=round_points(total),
    )


def clamp_total(
    section_points: Decimal | Iterable[Decimal],
    bonus_points: Decimal | Iterable[Decimal] = ZERO,
    deduction_points: Decimal | Iterable[Decimal] = ZERO,
    *,
    scale_total: Decimal,
    bonus_cap: Decimal,
    deduction_cap: Decimal,
) -> Decimal:
    """min(sections, scale_total) + min(bonus, bonus_cap) − min(deductions,
    deduction_cap), never below 0. Each argument is a Decimal or an iterable of them
    (summed); deductions are non-negative amounts to subtract, as compute() gives them.
    """
    return total_breakdown(
        section_points,
        bonus_points,
        deduction_points,
        scale_total=scale_total,
        bonus_cap=bonus_cap,
        deduction_cap=deduction_cap,
    ).total
