"""The scoring formulas (scoring/formulas.py): every criterion kind, every edge, and
property tests showing that no input can push points outside [0, max] or the caps.

Pure functions: no database. The catalogue may not hold these msgids yet, so text is
checked on its numbers (written the Vietnamese way: "6,67", "1.000") or in English.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.formulas import (
    ADJUSTMENT_KINDS,
    COMPUTED_KINDS,
    MISSING_ACHIEVED,
    MISSING_COUNT,
    MISSING_PASSED,
    MISSING_POINTS,
    MISSING_TARGET,
    SCORED_KINDS,
    BonusParams,
    CriterionKind,
    DeductionParams,
    InvalidParameters,
    ManualParams,
    PassFailParams,
    PerOccurrenceParams,
    RelativeLeaderParams,
    TargetRatioParams,
    UnitInput,
    clamp_total,
    compute,
    params_class,
    params_from_dict,
    round_points,
    total_breakdown,
    validate_input,
)

D = Decimal
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _english():
    # English msgids are what the module says until the lead merges the catalogue;
    # pinning English keeps the assertions on wording stable after the merge too.
    with translation.override("en"):
        yield


def points(results, unit_id):
    return results[unit_id].points


def one(kind, params, **values):
    return compute(kind, params, [UnitInput("u", **values)])["u"]


# --- kinds -------------------------------------------------------------------------


def test_the_kinds_the_models_reuse():
    assert [kind.value for kind in CriterionKind] == [
        "manual",
        "pass_fail",
        "target_ratio",
        "relative_leader",
        "per_occurrence",
        "bonus",
        "deduction",
        "group",
    ]
    assert dict(CriterionKind.choices)["group"]
    assert CriterionKind.GROUP not in COMPUTED_KINDS
    assert {CriterionKind.BONUS, CriterionKind.DEDUCTION} == ADJUSTMENT_KINDS
    assert SCORED_KINDS | ADJUSTMENT_KINDS == COMPUTED_KINDS
    assert not SCORED_KINDS & ADJUSTMENT_KINDS


def test_every_computed_kind_has_its_parameter_class():
    for kind in COMPUTED_KINDS:
        assert params_class(kind).kind == kind
        assert params_class(str(kind.value)) is params_class(kind)


def test_a_group_has_no_formula():
    with pytest.raises(ValueError):
        params_class("group")
    with pytest.raises(ValueError):
        compute("group", ManualParams(D(10)), [])


# --- the worked example of the issue ------------------------------------------------


def test_the_worked_example_of_the_issue_is_reproduced_exactly():
    cluster = [
        UnitInput("A", target=D(100), achieved=D(120)),
        UnitInput("B", target=None, achieved=D(150)),
        UnitInput("C", target=D(50), achieved=D(60)),
        UnitInput("D", target=D(80), achieved=D(80)),
        UnitInput("E", target=None, achieved=D(100)),
        UnitInput("F", target=None, achieved=D(75)),
    ]
    results = compute(CriterionKind.RELATIVE_LEADER, RelativeLeaderParams(D(10)), cluster)

    assert [results[unit].points for unit in "ABCDEF"] == [
        D("10.00"),
        D("10.00"),
        D("10.00"),
        D("5.00"),
        D("6.67"),
        D("5.00"),
    ]
    assert str(results["E"].exact).startswith("6.66666666666666666666")  # kept unrounded
    assert "6,67" in results["E"].explanation
    assert "100 / 150" in results["E"].explanation
    assert "1,2" in results["A"].explanation and "1,2" in results["C"].explanation
    assert "80 / 80" in results["D"].explanation
    assert all(result.complete and not result.warnings for result in results.values())


def test_results_come_back_in_the_order_of_the_inputs():
    cluster = [UnitInput(unit, target=D(10), achieved=D(unit)) for unit in (9, 3, 12, 1)]
    results = compute("relative_leader", RelativeLeaderParams(D(10)), cluster)
    assert list(results) == [9, 3, 12, 1]


# --- manual ------------------------------------------------------------------------


def test_manual_points_are_taken_as_given():
    result = one("manual", ManualParams(D(10)), points=D("7.5"))
    assert result.points == D("7.50")
    assert "7,5" in result.explanation
    assert result.complete and not result.warnings


def test_manual_points_not_yet_given_count_0_and_are_reported_missing():
    result = one("manual", ManualParams(D(10)))
    assert result.points == 0
    assert result.missing == (MISSING_POINTS,)
    assert not result.complete


def test_manual_points_out_of_range_are_clamped_with_a_warning():
    above = one("manual", ManualParams(D(10)), points=D("12.5"))
    assert above.points == D(10)
    assert "12,5" in above.warnings[0] and "10" in above.warnings[0]
    below = one("manual", ManualParams(D(10)), points=D(-3))
    assert below.points == 0
    assert "-3" in below.warnings[0]


def test_manual_points_with_more_decimals_are_rounded_half_up():
    assert one("manual", ManualParams(D(10)), points=D("6.665")).points == D("6.67")
    assert one("manual", ManualParams(D(10)), points=D("9.999")).points == D(10)


# --- pass / fail -------------------------------------------------------------------


def test_pass_fail():
    params = PassFailParams(D("2.5"))
    passed = one("pass_fail", params, passed=True)
    assert passed.points == D("2.50")
    assert "2,5" in passed.explanation
    assert one("pass_fail", params, passed=False).points == 0
    unknown = one("pass_fail", params)
    assert unknown.points == 0 and unknown.missing == (MISSING_PASSED,)


# --- target ratio ------------------------------------------------------------------


def test_target_ratio_scores_the_share_of_the_target():
    params = TargetRatioParams(D(10))
    result = one("target_ratio", params, target=D(80), achieved=D(70))
    assert result.points == D("8.75")
    assert "10 × min(70 / 80, 1) = 8,75" in result.explanation


def test_target_ratio_without_extra_points_stops_at_the_maximum():
    params = TargetRatioParams(D(10))
    assert one("target_ratio", params, target=D(100), achieved=D(100)).points == D(10)
    assert one("target_ratio", params, target=D(100), achieved=D(250)).points == D(10)


def test_target_ratio_extra_points_count_whole_steps_above_the_target():
    params = TargetRatioParams(D(10), D("0.5"), D(10), D(2))
    exceeded = one("target_ratio", params, target=D(100), achieved=D(135))
    assert exceeded.points == D("11.50")  # 3 full steps of 10 % → 1,5 extra points
    assert "35%" in exceeded.explanation
    assert "3 × 0,5 = 1,5" in exceeded.explanation
    assert "11,5" in exceeded.explanation
    # A step counts only when it is complete, and exact boundaries are exact.
    assert one("target_ratio", params, target=D(100), achieved=D(110)).points == D("10.5")
    assert one("target_ratio", params, target=D(100), achieved=D("109.99")).points == D(10)
    assert one("target_ratio", params, target=D(3), achieved=D("3.3")).points == D("10.5")


def test_target_ratio_extra_points_are_capped_so_the_criterion_gives_at_most_max_plus_cap():
    params = TargetRatioParams(D(10), D("0.5"), D(10), D(2))
    assert params.ceiling == D(12)
    result = one("target_ratio", params, target=D(100), achieved=D(1000))
    assert result.points == D(12)
    assert "at most 2" in result.explanation


def test_target_ratio_gives_no_extra_points_to_units_at_or_below_the_target():
    params = TargetRatioParams(D(10), D("0.5"), D(10), D(2))
    assert one("target_ratio", params, target=D(100), achieved=D(100)).points == D(10)
    below = one("target_ratio", params, target=D(100), achieved=D(50))
    assert below.points == D(5)
    assert "extra" not in below.explanation


@pytest.mark.parametrize("target", [None, D(0), D(-5)])
def test_target_ratio_without_a_usable_target_gives_0(target):
    result = one("target_ratio", TargetRatioParams(D(10)), target=target, achieved=D(50))
    assert result.points == 0
    assert result.missing == (MISSING_TARGET,)
    assert bool(result.warnings) == (target is not None)


def test_target_ratio_without_an_achieved_value_gives_0():
    result = one("target_ratio", TargetRatioParams(D(10)), target=D(50))
    assert result.points == 0
    assert result.missing == (MISSING_ACHIEVED,)
    both = one("target_ratio", TargetRatioParams(D(10)))
    assert both.missing == (MISSING_TARGET, MISSING_ACHIEVED)


def test_target_ratio_counts_a_negative_achieved_value_as_0():
    result = one("target_ratio", TargetRatioParams(D(10)), target=D(50), achieved=D(-20))
    assert result.points == 0
    assert result.complete
    assert "-20" in result.warnings[0]


# --- relative to the best unit ------------------------------------------------------


def test_relative_leader_over_achievers_between_half_and_max_by_their_ratio():
    cluster = [
        UnitInput("best", target=D(100), achieved=D(150)),  # r = 1,5 → 10
        UnitInput("mid", target=D(100), achieved=D(125)),  # halfway → 7,5
        UnitInput("low", target=D(200), achieved=D(210)),  # r = 1,05 → 5 + 5 × 0,1 = 5,5
        UnitInput("exact", target=D(40), achieved=D(40)),  # 5
        UnitInput("under", target=D(40), achieved=D(30)),  # 0,5 × 10 × 0,75 = 3,75
        UnitInput("nothing", target=D(40), achieved=D(0)),  # 0
    ]
    results = compute("relative_leader", RelativeLeaderParams(D(10)), cluster)
    assert {unit: r.points for unit, r in results.items()} == {
        "best": D(10),
        "mid": D("7.5"),
        "low": D("5.5"),
        "exact": D(5),
        "under": D("3.75"),
        "nothing": D(0),
    }
    assert "(1,25 − 1) / (1,5 − 1)" in results["mid"].explanation
    assert "0.5 × 10 × 30 / 40 = 3,75" in results["under"].explanation


def test_relative_leader_a_lone_over_achiever_gets_max():
    results = compute(
        "relative_leader",
        RelativeLeaderParams(D(20)),
        [UnitInput(1, target=D(3), achieved=D(4)), UnitInput(2, target=D(3), achieved=D(2))],
    )
    assert points(results, 1) == D(20)
    assert points(results, 2) == D("6.67")


def test_relative_leader_without_over_achievers_nobody_gets_max():
    cluster = [UnitInput(i, target=D(10), achieved=D(value)) for i, value in enumerate([10, 9])]
    results = compute("relative_leader", RelativeLeaderParams(D(10)), cluster)
    assert [r.points for r in results.values()] == [D(5), D("4.5")]


def test_relative_leader_units_without_a_target_that_all_achieved_nothing_get_0():
    cluster = [UnitInput(1, achieved=D(0)), UnitInput(2, achieved=D(0))]
    results = compute("relative_leader", RelativeLeaderParams(D(10)), cluster)
    assert [r.points for r in results.values()] == [0, 0]
    assert all(r.complete for r in results.values())


@pytest.mark.parametrize("target", [D(0), D("-4")])
def test_relative_leader_a_target_of_0_or_less_joins_the_units_without_a_target(target):
    cluster = [
        UnitInput("zero", target=target, achieved=D(50)),
        UnitInput("none", target=None, achieved=D(100)),
    ]
    results = compute("relative_leader", RelativeLeaderParams(D(10)), cluster)
    assert points(results, "zero") == D(5)
    assert points(results, "none") == D(10)
    assert results["zero"].warnings


def test_relative_leader_a_missing_achieved_value_gives_0_and_leaves_the_others_alone():
    cluster = [
        UnitInput("quiet", target=D(100)),
        UnitInput("quiet-no-target"),
        UnitInput("a", target=D(100), achieved=D(120)),
        UnitInput("b", achieved=D(30)),
    ]
    results = compute("relative_leader", RelativeLeaderParams(D(10)), cluster)
    assert points(results, "quiet") == 0
    assert results["quiet"].missing == (MISSING_ACHIEVED,)
    assert results["quiet-no-target"].missing == (MISSING_ACHIEVED,)
    assert points(results, "a") == D(10)
    assert points(results, "b") == D(10)


def test_relative_leader_negative_achieved_counts_as_0():
    cluster = [UnitInput(1, target=D(10), achieved=D(-5)), UnitInput(2, achieved=D(-5))]
    results = compute("relative_leader", RelativeLeaderParams(D(10)), cluster)
    assert [r.points for r in results.values()] == [0, 0]
    assert all(r.warnings for r in results.values())


def test_relative_leader_on_an_empty_cluster_gives_nothing():
    assert compute("relative_leader", RelativeLeaderParams(D(10)), []) == {}


def test_relative_leader_on_a_1000_point_scale_writes_thousands_with_a_dot():
    cluster = [UnitInput(1, achieved=D(2500)), UnitInput(2, achieved=D(1250))]
    results = compute("relative_leader", RelativeLeaderParams(D(1000)), cluster)
    assert points(results, 2) == D(500)
    assert "1.000 × 1.250 / 2.500" in results[2].explanation
    assert "= 500 points" in results[2].explanation


# --- per occurrence, bonus, deduction ----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("per_occurrence", PerOccurrenceParams(max_points=D(5), points_each=D("1.5"))),
        ("bonus", BonusParams(points_each=D("1.5"), cap=D(5))),
        ("deduction", DeductionParams(points_each=D("1.5"), cap=D(5))),
    ],
)
def test_counted_kinds_multiply_and_stop_at_their_cap(kind, params):
    two = one(kind, params, count=2)
    assert two.points == D(3)
    assert "2 times × 1,5 = 3" in two.explanation
    many = one(kind, params, count=1000)
    assert many.points == D(5)
    assert "1.500" in many.explanation and "5" in many.explanation
    assert one(kind, params, count=0).points == 0
    missing = one(kind, params)
    assert missing.points == 0 and missing.missing == (MISSING_COUNT,)
    negative = one(kind, params, count=-2)
    assert negative.points == 0 and negative.warnings


def test_a_deduction_is_a_non_negative_amount_to_subtract():
    result = one("deduction", DeductionParams(points_each=D(8), cap=D(20)), count=1)
    assert result.points == D(8)
    assert result.explanation.startswith("Deduction")


# --- parameters --------------------------------------------------------------------


def test_valid_parameters_have_no_errors():
    for params in (
        ManualParams(D(10)),
        PassFailParams(D("0.25")),
        TargetRatioParams(D(10), D("0.5"), D(10), D(2)),
        TargetRatioParams(D(10)),
        RelativeLeaderParams(D(1000)),
        PerOccurrenceParams(D(5), D(1)),
        BonusParams(D(10), D(50)),
        DeductionParams(D(8), D(30)),
    ):
        assert params.validate() == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (ManualParams(D(0)), "Maximum points must be greater than 0."),
        (PassFailParams(D(-1)), "Maximum points must be greater than 0."),
        (ManualParams(D("1.255")), "Maximum points can have at most 2 decimal places."),
        (ManualParams(D(1_000_000)), "Maximum points must be less than 1.000.000."),
        (ManualParams("ten"), "Maximum points must be a number."),
        (ManualParams(D("NaN")), "Maximum points must be a number."),
        (PerOccurrenceParams(D(5), D(0)), "Points each time must be greater than 0."),
        (BonusParams(D(1), D(0)), "Cap must be greater than 0."),
        (DeductionParams(D(-8), D(10)), "Points each time must be greater than 0."),
        (TargetRatioParams(D(10), D(-1), D(10), D(2)), "Extra points per step cannot be negative."),
        (TargetRatioParams(D(10), D(1), D(-10), D(2)), "Step (%) cannot be negative."),
        (TargetRatioParams(D(10), D(1), D(10), D(-2)), "Cap on extra points cannot be negative."),
    ],
)
def test_parameter_errors_say_what_is_wrong(params, message):
    assert message in params.validate()


@pytest.mark.parametrize(
    "extras", [(D(1), D(0), D(0)), (D(0), D(10), D(0)), (D(0), D(0), D(2)), (D(1), D(10), D(0))]
)
def test_extra_points_need_all_three_parameters(extras):
    errors = TargetRatioParams(D(10), *extras).validate()
    assert len(errors) == 1
    assert "need all three" in errors[0]


def test_compute_refuses_invalid_parameters_and_the_wrong_parameter_class():
    with pytest.raises(InvalidParameters) as caught:
        compute("manual", ManualParams(D(0)), [UnitInput(1, points=D(1))])
    assert caught.value.messages == ["Maximum points must be greater than 0."]
    with pytest.raises(ValueError):
        compute("manual", PassFailParams(D(10)), [])
    with pytest.raises(ValueError):
        compute("nonsense", ManualParams(D(10)), [])


def test_compute_refuses_the_same_unit_twice():
    with pytest.raises(ValueError):
        compute("manual", ManualParams(D(10)), [UnitInput(1), UnitInput(1)])


@pytest.mark.parametrize(
    "params",
    [
        ManualParams(D(10)),
        PassFailParams(D("2.5")),
        TargetRatioParams(D(10), D("0.5"), D(10), D(2)),
        TargetRatioParams(D(10)),
        RelativeLeaderParams(D("12.75")),
        PerOccurrenceParams(D(5), D("0.25")),
        BonusParams(D(10), D(50)),
        DeductionParams(D(8), D(30)),
    ],
)
def test_parameters_round_trip_through_a_json_object(params):
    data = json.loads(json.dumps(params.to_dict()))
    assert params_from_dict(params.kind, data) == params


def test_parameters_from_imported_data():
    params = params_from_dict(
        "target_ratio",
        {"max_points": 10, "extra_points_per_step": "0,5", "step_percent": 10.0, "extra_cap": 2},
    )
    assert params == TargetRatioParams(D(10), D("0.5"), D(10), D(2))
    # points per step and a step without a cap are refused as a whole
    with pytest.raises(InvalidParameters) as caught:
        params_from_dict(
            "target_ratio",
            {"max_points": "10", "extra_points_per_step": "0,5", "step_percent": "10"},
        )
    assert "need all three" in caught.value.messages[0]
    assert params_from_dict("target_ratio", {"max_points": "10"}) == TargetRatioParams(D(10))
    assert params_from_dict("bonus", {"points_each": "2,5", "cap": 50}) == BonusParams(
        D("2.5"), D(50)
    )


def test_parameters_from_bad_data_report_every_problem():
    with pytest.raises(InvalidParameters) as caught:
        params_from_dict("bonus", {"points_each": "a lot", "colour": "red"})
    assert set(caught.value.messages) == {
        "Unknown parameter: colour.",
        "Cap is required.",
        "Points each time must be a number.",
    }
    with pytest.raises(InvalidParameters) as caught:
        params_from_dict("bonus", {"points_each": "a lot", "cap": "5"})
    assert caught.value.messages == ["Points each time must be a number."]


def test_parameter_messages_are_translatable():
    with translation.override("vi"):
        assert ManualParams(D(0)).validate()  # still a message, whatever the catalogue holds


# --- formula descriptions -----------------------------------------------------------


def test_descriptions_show_the_numbers_the_vietnamese_way():
    assert "0,5" in TargetRatioParams(D(10), D("0.5"), D(10), D(2)).describe()
    assert "10%" in TargetRatioParams(D(10), D("0.5"), D(10), D(2)).describe()
    assert "extra" not in TargetRatioParams(D(10)).describe().lower()
    assert "1.000" in ManualParams(D(1000)).describe()
    leader = RelativeLeaderParams(D(15)).describe()
    assert "7,5" in leader and "15" in leader
    assert "2,5" in PerOccurrenceParams(D(10), D("2.5")).describe()
    assert "50" in BonusParams(D(5), D(50)).describe()
    assert "8" in DeductionParams(D(8), D(30)).describe()
    assert "12,5" in PassFailParams(D("12.5")).describe()


# --- inputs ------------------------------------------------------------------------


def test_unit_inputs_read_ints_and_strings_and_refuse_floats():
    item = UnitInput(1, target=100, achieved="80.5", points=D(3), count=D(4))
    assert item.target == D(100) and item.achieved == D("80.5") and item.count == 4
    with pytest.raises(TypeError):
        UnitInput(1, achieved=0.1)
    with pytest.raises(TypeError):
        UnitInput(1, count=True)
    with pytest.raises(TypeError):
        UnitInput(1, count=D("1.5"))
    with pytest.raises(TypeError):
        UnitInput(1, passed="yes")
    with pytest.raises(ValueError):
        UnitInput(1, achieved=D("Infinity"))


def test_validate_input_refuses_what_compute_would_clamp():
    manual = ManualParams(D(10))
    assert validate_input("manual", manual, UnitInput(1, points=D(5))) == []
    assert validate_input("manual", manual, UnitInput(1, points=D(11))) == [
        "Points must be between 0 and 10."
    ]
    assert validate_input("manual", manual, UnitInput(1, points=D("1.234"))) == [
        "Points can have at most 2 decimal places."
    ]
    ratio = TargetRatioParams(D(10))
    assert validate_input("target_ratio", ratio, UnitInput(1, target=D(-1), achieved=D(-1))) == [
        "The target cannot be negative.",
        "The achieved value cannot be negative.",
    ]
    assert validate_input("target_ratio", ratio, UnitInput(1, target=D(0))) == [
        "The target must be greater than 0."
    ]
    # a zero target is fine for the relative formula: the unit counts as having none
    leader = RelativeLeaderParams(D(10))
    assert validate_input("relative_leader", leader, UnitInput(1, target=D(0))) == []
    bonus = BonusParams(D(1), D(5))
    assert validate_input("bonus", bonus, UnitInput(1, count=-1)) == [
        "The number of times cannot be negative."
    ]


def test_round_points_is_half_up_to_2_decimals():
    assert round_points(D("6.665")) == D("6.67")
    assert round_points(D("2.675")) == D("2.68")
    assert round_points(D("6.664999")) == D("6.66")
    assert str(round_points(D(5))) == "5.00"


# --- totals ------------------------------------------------------------------------


def test_total_adds_sections_bonus_and_deductions():
    total = clamp_total(
        [D("40.5"), D("30.25")],
        [D(3)],
        [D(8)],
        scale_total=D(100),
        bonus_cap=D(5),
        deduction_cap=D(10),
    )
    assert total == D("65.75")


def test_total_clamps_every_part_to_its_cap():
    breakdown = total_breakdown(
        [D(60), D(55)],  # 115 > 100 (extra points for exceeding targets)
        [D(30), D(30)],
        [D(8), D(8), D(8)],
        scale_total=D(100),
        bonus_cap=D(50),
        deduction_cap=D(20),
    )
    assert (breakdown.sections, breakdown.bonus, breakdown.deduction) == (D(100), D(50), D(20))
    assert breakdown.total == D(130)


def test_total_never_goes_below_0():
    assert (
        clamp_total(D(3), D(0), D(20), scale_total=D(100), bonus_cap=D(5), deduction_cap=D(30)) == 0
    )
    assert (
        clamp_total(D(-10), D(-5), D(-5), scale_total=D(100), bonus_cap=D(5), deduction_cap=D(5))
        == 0
    )


def test_total_refuses_a_scale_or_caps_that_make_no_sense():
    for scale, bonus, deduction in [(D(0), D(1), D(1)), (D(100), D(-1), D(1)), (D(100), 0, -1)]:
        with pytest.raises(ValueError):
            clamp_total([], scale_total=scale, bonus_cap=D(bonus), deduction_cap=D(deduction))


# --- property tests ----------------------------------------------------------------

AMOUNTS = st.decimals(
    min_value=D(-1000), max_value=D(100_000), places=2, allow_nan=False, allow_infinity=False
)
# Zero, one and round numbers often, to hit ties, exact achievers and zero targets.
VALUES = st.none() | st.sampled_from([D(0), D(1), D(100)]) | AMOUNTS
COUNTS = st.none() | st.integers(min_value=-20, max_value=100_000)
POSITIVE = st.decimals(min_value=D("0.01"), max_value=D(10_000), places=2)
NON_NEGATIVE = st.decimals(min_value=D(0), max_value=D(10_000), places=2)


@st.composite
def target_ratio_params(draw):
    if draw(st.booleans()):
        return TargetRatioParams(draw(POSITIVE))
    return TargetRatioParams(
        draw(POSITIVE),
        draw(POSITIVE),
        draw(st.decimals(min_value=D("0.01"), max_value=D(500), places=2)),
        draw(POSITIVE),
    )


PARAMS = {
    CriterionKind.MANUAL: st.builds(ManualParams, POSITIVE),
    CriterionKind.PASS_FAIL: st.builds(PassFailParams, POSITIVE),
    CriterionKind.TARGET_RATIO: target_ratio_params(),
    CriterionKind.RELATIVE_LEADER: st.builds(RelativeLeaderParams, POSITIVE),
    CriterionKind.PER_OCCURRENCE: st.builds(PerOccurrenceParams, POSITIVE, POSITIVE),
    CriterionKind.BONUS: st.builds(BonusParams, POSITIVE, POSITIVE),
    CriterionKind.DEDUCTION: st.builds(DeductionParams, POSITIVE, POSITIVE),
}
KINDS_AND_PARAMS = st.sampled_from(sorted(COMPUTED_KINDS)).flatmap(
    lambda kind: PARAMS[kind].map(lambda params: (kind, params))
)


@st.composite
def clusters(draw, min_size=1):
    size = draw(st.integers(min_value=min_size, max_value=15))
    return [
        UnitInput(
            unit_id=index,
            target=draw(VALUES),
            achieved=draw(VALUES),
            points=draw(VALUES),
            passed=draw(st.none() | st.booleans()),
            count=draw(COUNTS),
        )
        for index in range(size)
    ]


PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(KINDS_AND_PARAMS, clusters())
def test_points_never_leave_0_to_the_ceiling_for_any_inputs(kind_and_params, cluster):
    kind, params = kind_and_params
    results = compute(kind, params, cluster)
    assert list(results) == [item.unit_id for item in cluster]
    for result in results.values():
        assert D(0) <= result.points <= params.ceiling
        assert D(0) <= result.exact <= params.ceiling
        assert result.points == round_points(result.points)
        assert result.points == round_points(result.exact)
        assert set(result.missing) <= {"target", "achieved", "points", "passed", "count"}
        assert result.explanation
    if kind != CriterionKind.TARGET_RATIO:
        assert params.ceiling == getattr(params, "max_points", getattr(params, "cap", None))


@PROPERTY
@given(st.builds(RelativeLeaderParams, POSITIVE), clusters())
def test_relative_leader_best_gets_max_exact_achievers_half(params, cluster):
    results = compute("relative_leader", params, cluster)
    ms = params.max_points
    scored = [
        item for item in cluster if item.target and item.target > 0 and item.achieved is not None
    ]
    ratios = {item.unit_id: item.achieved / item.target for item in scored}
    over = [item for item in scored if item.achieved > item.target]
    best = max((ratios[item.unit_id] for item in over), default=None)
    for item in scored:
        own = results[item.unit_id].points
        if item.achieved == item.target:
            assert own == round_points(ms / 2)
        elif item.achieved < item.target:
            assert own <= round_points(ms / 2)
        else:
            assert own >= round_points(ms / 2)
            if ratios[item.unit_id] == best:
                assert own == ms
    no_target = [
        item
        for item in cluster
        if not (item.target and item.target > 0) and item.achieved is not None
    ]
    highest = max((max(item.achieved, D(0)) for item in no_target), default=D(0))
    for item in no_target:
        if highest > 0 and item.achieved == highest:
            assert results[item.unit_id].points == ms
    for item in cluster:
        if item.achieved is None:
            assert results[item.unit_id].points == 0
            assert results[item.unit_id].missing == ("achieved",)


def _rounded(value: Fraction) -> Decimal:
    """An independent half-up rounding to 2 decimals of a non-negative fraction."""
    return Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100


def _relative_leader_by_hand(ms: Decimal, cluster: list[UnitInput]) -> dict:
    """domain.md's police-cluster formula again, in exact fractions."""
    half = Fraction(ms) / 2
    expected = {}
    over, no_target = {}, {}
    for item in cluster:
        if item.achieved is None:
            expected[item.unit_id] = Fraction(0)
            continue
        achieved = max(Fraction(item.achieved), Fraction(0))
        if item.target is None or item.target <= 0:
            no_target[item.unit_id] = achieved
            continue
        ratio = achieved / Fraction(item.target)
        if ratio < 1:
            expected[item.unit_id] = half * ratio
        elif ratio == 1:
            expected[item.unit_id] = half
        else:
            over[item.unit_id] = ratio
    best = max(over.values(), default=None)
    for unit_id, ratio in over.items():
        expected[unit_id] = half + half * (ratio - 1) / (best - 1) if ratio < best else 2 * half
    highest = max(no_target.values(), default=Fraction(0))
    for unit_id, achieved in no_target.items():
        expected[unit_id] = 2 * half * achieved / highest if highest else Fraction(0)
    return {unit_id: _rounded(value) for unit_id, value in expected.items()}


@PROPERTY
@given(st.builds(RelativeLeaderParams, POSITIVE), clusters())
def test_relative_leader_agrees_with_the_formula_in_exact_fractions(params, cluster):
    results = compute("relative_leader", params, cluster)
    expected = _relative_leader_by_hand(params.max_points, cluster)
    assert {unit_id: result.points for unit_id, result in results.items()} == expected


@PROPERTY
@given(target_ratio_params(), clusters())
def test_target_ratio_agrees_with_the_formula_in_exact_fractions(params, cluster):
    results = compute("target_ratio", params, cluster)
    for item in cluster:
        if item.target is None or item.target <= 0 or item.achieved is None:
            expected = Fraction(0)
        else:
            ratio = max(Fraction(item.achieved), Fraction(0)) / Fraction(item.target)
            expected = Fraction(params.max_points) * min(ratio, Fraction(1))
            if params.has_extra and ratio > 1:
                steps = math.floor((ratio - 1) * 100 / Fraction(params.step_percent))
                expected += min(
                    steps * Fraction(params.extra_points_per_step), Fraction(params.extra_cap)
                )
        assert results[item.unit_id].points == _rounded(expected)


@PROPERTY
@given(
    st.sampled_from([CriterionKind.TARGET_RATIO, CriterionKind.RELATIVE_LEADER]).flatmap(
        lambda kind: PARAMS[kind].map(lambda params: (kind, params))
    ),
    clusters(),
    st.data(),
    st.decimals(min_value=D(0), max_value=D(100_000), places=2),
)
def test_raising_a_units_achieved_value_never_lowers_its_own_points(
    kind_and_params, cluster, data, raise_by
):
    kind, params = kind_and_params
    index = data.draw(st.integers(min_value=0, max_value=len(cluster) - 1))
    item = cluster[index]
    raised = replace(item, achieved=(item.achieved or D(0)) + raise_by)
    before = compute(kind, params, cluster)[item.unit_id]
    after = compute(kind, params, [*cluster[:index], raised, *cluster[index + 1 :]])
    assert after[item.unit_id].exact >= before.exact
    assert after[item.unit_id].points >= before.points


@PROPERTY
@given(
    st.sampled_from(
        [CriterionKind.PER_OCCURRENCE, CriterionKind.BONUS, CriterionKind.DEDUCTION]
    ).flatmap(lambda kind: PARAMS[kind].map(lambda params: (kind, params))),
    st.integers(min_value=-20, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
)
def test_more_occurrences_never_give_fewer_points(kind_and_params, count, more):
    kind, params = kind_and_params
    before = one(kind, params, count=count)
    after = one(kind, params, count=count + more)
    assert before.points <= after.points <= params.ceiling


@PROPERTY
@given(
    st.lists(AMOUNTS, max_size=12),
    st.lists(AMOUNTS, max_size=6),
    st.lists(AMOUNTS, max_size=6),
    st.sampled_from([D(100), D(1000)]) | POSITIVE,
    NON_NEGATIVE,
    NON_NEGATIVE,
)
def test_totals_stay_between_0_and_the_scale_plus_the_bonus_cap(
    sections, bonus, deductions, scale_total, bonus_cap, deduction_cap
):
    total = clamp_total(
        sections,
        bonus,
        deductions,
        scale_total=scale_total,
        bonus_cap=bonus_cap,
        deduction_cap=deduction_cap,
    )
    assert D(0) <= total <= scale_total + bonus_cap
    assert total == round_points(total)


# --- translations ------------------------------------------------------------------


def _msgids() -> set[str]:
    """Every string passed to gettext / gettext_lazy in scoring/formulas.py."""
    tree = ast.parse((ROOT / "scoring" / "formulas.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"_", "gettext"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return found


def test_every_message_has_a_pending_vietnamese_translation():
    pending = json.loads(
        (ROOT / "locale" / "vi" / "pending" / "scoring_formulas.json").read_text(encoding="utf-8")
    )
    msgids = _msgids()
    assert len(msgids) > 40
    missing = sorted(msgid for msgid in msgids if msgid not in pending)
    assert missing == []
    for msgid in msgids:
        # The same placeholders on both sides, or the translation would crash.
        assert sorted(_placeholders(msgid)) == sorted(_placeholders(pending[msgid])), msgid


def _placeholders(text: str) -> list[str]:
    return re.findall(r"%\([a-z_]+\)s|%%", text)
