"""Criteria of a scoring table: add, change, remove, reorder, indent, outdent; what is
refused at once and what is only reported by ``rubric_problems``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.models import ActionLog
from covenants.models import Target
from scoring.models import Criterion
from scoring.selectors.rubrics import (
    criterion_explanation,
    criterion_formula,
    rubric_criteria,
    rubric_problems,
    rubric_totals,
)
from scoring.services.criteria import (
    criterion_add,
    criterion_delete,
    criterion_indent,
    criterion_move,
    criterion_outdent,
    criterion_update,
)
from scoring.services.rubrics import template_create
from tests.test_scoring_services import (
    build_tree,
    codes,
    errors_of,
    make_covenant,
    new_rubric,
)

D = Decimal


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    """Messages compared with the English msgids."""
    with translation.override("en"):
        yield


def add(rubric, actor, code, kind="manual", points=10, **extra):  # type: ignore[no-untyped-def]
    return criterion_add(
        actor=actor,
        rubric=rubric,
        code=code,
        title=extra.pop("title", f"Tiêu chí {code}"),
        kind=kind,
        max_points=points,
        **extra,
    )


def orders(rubric, parent=None) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [
        (c.code, c.order)
        for c in Criterion.objects.filter(rubric=rubric, parent=parent).order_by("order", "pk")
    ]


# Adding ----------------------------------------------------------------------------------


def test_add_appends_at_its_level_and_stores_the_formula_parameters(world, en):
    rubric = new_rubric(world)
    group = add(rubric, world.board, "I", "group", 60)
    first = add(rubric, world.board, "1", "per_occurrence", "12,5", parent=group,
                params={"points_each": "2,5"}, guidance="  Dòng 1 \r\nDòng 2  ",
                evidence_required=True)  # fmt: skip
    second = add(rubric, world.board, "2", "manual", 47.5, parent=group)
    first.refresh_from_db()
    assert (first.parent_id, first.order, second.order) == (group.pk, 1, 2)
    assert first.max_points == D("12.5")
    assert first.params == {"max_points": "12.50", "points_each": "2.50"}
    assert first.guidance == "Dòng 1\nDòng 2"
    assert first.evidence_required is True
    assert criterion_formula(first).points_each == D("2.5")
    assert criterion_explanation(first) == ("Points = 2,5 × number of times, at most 12,5 points.")
    entry = ActionLog.objects.filter(action="scoring.criterion.added").order_by("pk").last()
    assert entry.scope_id == world.org.pk and entry.object_id == str(second.pk)
    assert entry.data["new"]["code"] == "2" and entry.data["new"]["parent"] == "I"
    assert entry.data["rubric"]["id"] == rubric.pk


def test_add_after_inserts_below_and_renumbers(world):
    rubric = new_rubric(world)
    one = add(rubric, world.board, "1")
    add(rubric, world.board, "3")
    add(rubric, world.board, "2", after=one)
    assert orders(rubric) == [("1", 1), ("2", 2), ("3", 3)]


def test_bonus_and_deduction_take_their_cap_from_the_maximum(world):
    rubric = new_rubric(world)
    bonus = add(rubric, world.board, "B", "bonus", 5, params={"points_each": "1"})
    deduction = add(rubric, world.board, "T", "deduction", 8, params={"points_each": 8})
    assert bonus.params == {"points_each": "1.00", "cap": "5.00"}
    assert deduction.params == {"points_each": "8.00", "cap": "8.00"}


def test_a_child_goes_only_under_a_section_of_the_same_rubric(world, en):
    rubric = new_rubric(world)
    leaf = add(rubric, world.board, "1")
    with pytest.raises(ValidationError) as exc:
        add(rubric, world.board, "1.a", parent=leaf)
    assert errors_of(exc) == {
        "parent": ["Criteria can only be added under a section or group, and “1” is not one."]
    }
    template = template_create(actor=world.board, organizer=world.org, name="Mẫu")
    other_group = add(template, world.board, "I", "group", 10)
    with pytest.raises(ValidationError) as exc:
        add(rubric, world.board, "2", parent=other_group)
    assert errors_of(exc) == {
        "parent": ["The section to add under belongs to another scoring table."]
    }
    assert list(rubric.criteria.values_list("code", flat=True)) == ["1"]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"max_points": "-1"}, {"max_points": ["The maximum points cannot be negative."]}),
        (
            {"max_points": "mười"},
            {"max_points": ["“mười” is not a number (write e.g. 10, 12,5 or 1.000)."]},
        ),
        ({"max_points": "1,255"}, {"max_points": ["“1,255” has more than 2 decimal places."]}),
        (
            {"max_points": "1000000"},
            {"max_points": ["“1000000” is too large: points must stay below 1.000.000."]},
        ),
        (
            {"max_points": 0},
            {
                "max_points": [
                    "A criterion that gives or takes points needs a maximum above 0 (only a "
                    "section or group may have 0)."
                ]
            },
        ),
        ({"code": "  "}, {"code": ["Give the criterion a code (e.g. I, 1, a)."]}),
        ({"code": "X" * 31}, {"code": ["The code is longer than 30 characters."]}),
        ({"code": "1"}, {"code": ["The code “1” is already used in this scoring table."]}),
        ({"title": ""}, {"title": ["Give the criterion a title."]}),
        ({"title": "T" * 501}, {"title": ["The title is longer than 500 characters."]}),
        ({"kind": "lottery"}, {"kind": ["“lottery” is not a criterion type."]}),
        (
            {"kind": "per_occurrence"},
            {"params": ["Points each time is required."]},
        ),
        (
            {"kind": "per_occurrence", "params": {"points_each": "-2"}},
            {"params": ["Points each time must be greater than 0."]},
        ),
        (
            {"kind": "target_ratio", "params": {"extra_points_per_step": "1"}},
            {
                "params": [
                    "Extra points for exceeding the target need all three: points per step, "
                    "step in percent and cap (or leave all three at 0)."
                ]
            },
        ),
        (
            {"params": ["not", "a", "dict"]},
            {"params": ["The parameters must be a set of named values."]},
        ),
        (
            {"params": {"colour": "red"}},
            {"params": ["Unknown parameter: colour."]},
        ),
    ],
)
def test_bad_fields_are_refused_with_their_message_and_nothing_is_added(world, en, fields, errors):
    rubric = new_rubric(world)
    add(rubric, world.board, "1")
    values = {"code": "2", "title": "Tiêu chí 2", "kind": "manual", "max_points": 10} | fields
    with pytest.raises(ValidationError) as exc:
        criterion_add(actor=world.board, rubric=rubric, **values)
    assert errors_of(exc) == errors
    assert list(rubric.criteria.values_list("code", flat=True)) == ["1"]


def test_several_bad_fields_are_reported_together(world, en):
    rubric = new_rubric(world)
    with pytest.raises(ValidationError) as exc:
        criterion_add(actor=world.board, rubric=rubric, code="", title="", kind="x", max_points="-")
    assert set(errors_of(exc)) == {"code", "title", "kind", "max_points"}


def test_targets_belong_to_this_years_covenant_and_to_target_kinds(world, en):
    make_covenant(world.last_year, ["Thu ngân sách 2023"])
    old = Target.objects.get()
    covenant = make_covenant(world.this_year, ["Thu ngân sách 2024"])
    this = covenant.targets.get()
    rubric = new_rubric(world)
    with pytest.raises(ValidationError) as exc:
        add(rubric, world.board, "1", "target_ratio", target=old)
    assert errors_of(exc) == {
        "target": ["The target must be one of the targets of this year's covenant."]
    }
    with pytest.raises(ValidationError) as exc:
        add(rubric, world.board, "1", "manual", target=this)
    assert errors_of(exc) == {
        "target": [
            "Only criteria scored against a target (ratio to the target, relative to the best "
            "unit) are linked to a target."
        ]
    }
    template = template_create(actor=world.board, organizer=world.org, name="Mẫu")
    with pytest.raises(ValidationError) as exc:
        add(template, world.board, "1", "target_ratio", target=this)
    assert errors_of(exc) == {
        "target": [
            "A library template is not linked to a covenant: leave the target empty (it is "
            "chosen when a cluster uses the template)."
        ]
    }
    assert add(rubric, world.board, "1", "target_ratio", target=this).target == this
    assert add(rubric, world.board, "2", "relative_leader", target=this).target == this
    # A target of an earlier version of this year's covenant is this year's too.
    amended = make_covenant(world.this_year, ["Thu ngân sách 2024"], version=2)
    assert add(rubric, world.board, "3", "target_ratio", target=amended.targets.get()).target


def test_sums_are_reported_while_editing_not_refused(world, en):
    rubric = new_rubric(world)
    group = add(rubric, world.board, "I", "group", 50)
    add(rubric, world.board, "1", parent=group, points=30)
    add(rubric, world.board, "2", "target_ratio", parent=group, points=30)
    add(rubric, world.board, "II", "group", 40)
    add(rubric, world.board, "B", "bonus", 3, parent=group, params={"points_each": "1"})
    assert [problem.message for problem in rubric_problems(rubric)] == [
        "“I” has a maximum of 50 but its parts add up to 63.",
        "“2” is scored against a target, but no target is chosen.",
        "“B”: bonus and deduction items stand on their own, outside the sections.",
        "“II” is a section or group but has no parts.",
        "The sections add up to 90 points but the table's total is 100.",
    ]
    assert rubric_totals(rubric, rubric_criteria(rubric))["I"] == D(63)


def test_broken_stored_parameters_are_reported(world, en):
    rubric = new_rubric(world)
    item = add(rubric, world.board, "1", "per_occurrence", 100, params={"points_each": "5"})
    Criterion.objects.filter(pk=item.pk).update(params={"max_points": "100", "points_each": "x"})
    assert [p.message for p in rubric_problems(rubric)] == [
        "“1”: Points each time must be a number."
    ]
    item.refresh_from_db()
    assert criterion_explanation(item) == ""


# Changing --------------------------------------------------------------------------------


def test_update_changes_fields_keeps_the_maximum_in_the_parameters_and_logs(world):
    rubric = new_rubric(world)
    item = add(rubric, world.board, "1", "per_occurrence", 10, params={"points_each": "2"})
    criterion_update(
        actor=world.head_officer, criterion=item, max_points="20", title="Số lần", code="1.1"
    )
    item.refresh_from_db()
    assert (item.code, item.title, item.max_points) == ("1.1", "Số lần", D(20))
    assert item.params == {"max_points": "20.00", "points_each": "2.00"}
    entry = ActionLog.objects.get(action="scoring.criterion.updated")
    assert entry.actor == world.head_officer
    assert entry.data["changes"]["max_points"] == {"old": "10.00", "new": "20.00"}
    assert entry.data["changes"]["code"] == {"old": "1", "new": "1.1"}


def test_changing_the_type_keeps_shared_parameters_and_drops_the_target(world):
    covenant = make_covenant(world.this_year, ["Thu ngân sách"])
    rubric = new_rubric(world)
    item = add(rubric, world.board, "1", "per_occurrence", 10, params={"points_each": "2"})
    criterion_update(actor=world.board, criterion=item, kind="bonus")
    item.refresh_from_db()
    assert item.params == {"points_each": "2.00", "cap": "10.00"}
    ratio = add(rubric, world.board, "2", "target_ratio", target=covenant.targets.get())
    criterion_update(actor=world.board, criterion=ratio, kind="manual")
    ratio.refresh_from_db()
    assert (ratio.kind, ratio.target_id, ratio.params) == ("manual", None, {"max_points": "10.00"})


def test_a_section_with_parts_stays_a_section(world, en):
    rubric = new_rubric(world)
    group = add(rubric, world.board, "I", "group", 10)
    add(rubric, world.board, "1", parent=group)
    with pytest.raises(ValidationError) as exc:
        criterion_update(actor=world.board, criterion=group, kind="manual")
    assert errors_of(exc) == {
        "kind": [
            "“I” has criteria under it, so it must stay a section or group; move them out first."
        ]
    }
    group.refresh_from_db()
    assert group.kind == "group"


def test_update_refuses_a_taken_code_and_saves_nothing(world, en):
    rubric = new_rubric(world)
    add(rubric, world.board, "1")
    second = add(rubric, world.board, "2")
    with pytest.raises(ValidationError) as exc:
        criterion_update(actor=world.board, criterion=second, code="1", title="Đổi")
    assert errors_of(exc) == {"code": ["The code “1” is already used in this scoring table."]}
    second.refresh_from_db()
    assert (second.code, second.title) == ("2", "Tiêu chí 2")
    assert not ActionLog.objects.filter(action="scoring.criterion.updated").exists()


def test_update_of_a_removed_criterion_says_so(world, en):
    rubric = new_rubric(world)
    item = add(rubric, world.board, "1")
    Criterion.objects.filter(pk=item.pk).delete()
    with pytest.raises(ValidationError) as exc:
        criterion_update(actor=world.board, criterion=item, title="X")
    assert errors_of(exc) == [
        "This criterion no longer exists (someone removed it); reload the page."
    ]


def test_update_refuses_unknown_fields(world):
    rubric = new_rubric(world)
    item = add(rubric, world.board, "1")
    with pytest.raises(TypeError):
        criterion_update(actor=world.board, criterion=item, rubric=rubric)


# Removing ----------------------------------------------------------------------------------


def test_delete_removes_the_parts_renumbers_and_logs_them(world):
    rubric = new_rubric(world)
    made = build_tree(rubric, world.board)
    removed = criterion_delete(actor=world.board, criterion=made["I"])
    assert removed == 3
    assert codes(rubric) == [(0, "II"), (1, "3"), (0, "B"), (0, "T")]
    assert orders(rubric) == [("II", 1), ("B", 2), ("T", 3)]
    entry = ActionLog.objects.get(action="scoring.criterion.deleted")
    assert entry.data["old"]["code"] == "I" and entry.data["parts"] == ["1", "2"]


# Reordering --------------------------------------------------------------------------------


def test_move_up_and_down_among_siblings(world, en):
    rubric = new_rubric(world)
    made = build_tree(rubric, world.board)
    criterion_move(actor=world.board, criterion=made["II"], direction="up")
    assert codes(rubric)[:3] == [(0, "II"), (1, "3"), (0, "I")]
    criterion_move(actor=world.board, criterion=made["1"], direction="down")
    assert orders(rubric, made["I"]) == [("2", 1), ("1", 2)]
    with pytest.raises(ValidationError) as exc:
        criterion_move(actor=world.board, criterion=made["1"], direction="down")
    assert errors_of(exc) == ["“1” is already the last at its level."]
    with pytest.raises(ValidationError) as exc:
        criterion_move(actor=world.board, criterion=made["II"], direction="up")
    assert errors_of(exc) == ["“II” is already the first at its level."]
    with pytest.raises(ValidationError) as exc:
        criterion_move(actor=world.board, criterion=made["II"], direction="left")
    assert errors_of(exc) == ["“left” is not a direction (up or down)."]
    entry = ActionLog.objects.filter(action="scoring.criterion.moved").order_by("pk").first()
    assert entry.data["direction"] == "up" and entry.data["order"] == {"old": 2, "new": 1}


def test_indent_goes_under_the_section_above(world, en):
    rubric = new_rubric(world)
    made = build_tree(rubric, world.board)
    criterion_indent(actor=world.board, criterion=made["II"])
    assert codes(rubric) == [
        (0, "I"), (1, "1"), (1, "2"), (1, "II"), (2, "3"), (0, "B"), (0, "T"),
    ]  # fmt: skip
    assert orders(rubric) == [("I", 1), ("B", 2), ("T", 3)]
    with pytest.raises(ValidationError) as exc:
        criterion_indent(actor=world.board, criterion=made["1"])
    assert errors_of(exc) == ["“1” has nothing above it at its level to go under."]
    with pytest.raises(ValidationError) as exc:
        criterion_indent(actor=world.board, criterion=made["2"])
    assert errors_of(exc) == [
        "“2” can go under “1” only if that is a section or group; change its type first."
    ]
    entry = ActionLog.objects.filter(action="scoring.criterion.moved").get()
    assert entry.data["parent"] == {"old": None, "new": "I"}


def test_outdent_places_it_right_after_its_section(world, en):
    rubric = new_rubric(world)
    made = build_tree(rubric, world.board)
    criterion_outdent(actor=world.board, criterion=made["1"])
    assert codes(rubric) == [
        (0, "I"), (1, "2"), (0, "1"), (0, "II"), (1, "3"), (0, "B"), (0, "T"),
    ]  # fmt: skip
    assert orders(rubric) == [("I", 1), ("1", 2), ("II", 3), ("B", 4), ("T", 5)]
    assert orders(rubric, made["I"]) == [("2", 1)]
    with pytest.raises(ValidationError) as exc:
        criterion_outdent(actor=world.board, criterion=made["1"])
    assert errors_of(exc) == ["“1” is already at the top level."]


def test_outdent_from_a_nested_group_stays_inside_the_outer_one(world):
    rubric = new_rubric(world)
    outer = add(rubric, world.board, "I", "group", 20)
    inner = add(rubric, world.board, "I.1", "group", 20, parent=outer)
    leaf = add(rubric, world.board, "I.1.a", parent=inner)
    add(rubric, world.board, "I.2", parent=outer)
    criterion_outdent(actor=world.board, criterion=leaf)
    assert codes(rubric) == [(0, "I"), (1, "I.1"), (1, "I.1.a"), (1, "I.2")]
