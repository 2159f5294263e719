"""The rubric tree's consistency rules, on plain nodes (no database)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from scoring.validation import Node, section_totals, validate_tree

D = Decimal


def tree_100() -> list[Node]:
    return [
        Node("I", kind="group", max_points=D(60)),
        Node("1", kind="manual", max_points=D(40), parent_code="I"),
        Node("2", kind="group", max_points=D(20), parent_code="I"),
        Node("2.a", kind="pass_fail", max_points=D(10), parent_code="2"),
        Node("2.b", kind="target_ratio", max_points=D(10), parent_code="2", has_target=True),
        Node("II", kind="group", max_points=D(40)),
        Node("3", kind="relative_leader", max_points=D(40), parent_code="II"),
        Node("B", kind="bonus", max_points=D(5)),
        Node("T", kind="deduction", max_points=D(8)),
    ]


def messages(nodes: list[Node], **caps) -> list[str]:  # type: ignore[no-untyped-def]
    caps = {"scale_total": D(100), "bonus_cap": D(5), "deduction_cap": D(10)} | caps
    with translation.override("en"):  # the rules, not the wording, are under test here
        return [problem.message for problem in validate_tree(nodes, **caps)]


def test_problems_read_in_vietnamese_by_default():
    nodes = tree_100()
    nodes[2].max_points = D(15)
    found = [
        problem.message
        for problem in validate_tree(nodes, scale_total=D(95), bonus_cap=D(5), deduction_cap=D(10))
    ]
    assert "“2” có điểm tối đa 15 nhưng các phần cộng lại được 20." in found


def test_a_consistent_tree_has_no_problem():
    assert messages(tree_100()) == []


def test_a_parent_smaller_than_its_children_is_named_with_both_sums():
    nodes = tree_100()
    nodes[2].max_points = D(15)  # group 2 says 15, its parts make 20
    assert "“2” has a maximum of 15 but its parts add up to 20." in messages(nodes)


def test_sections_must_add_up_to_the_total_and_bonus_stays_outside():
    assert messages(tree_100(), scale_total=D(1000)) == [
        "The sections add up to 100 points but the table's total is 1.000."
    ]


def test_negative_maximum_duplicate_and_empty_codes_are_refused():
    nodes = [*tree_100(), Node("1", max_points=D(1), parent_code="I"), Node("", max_points=D(1))]
    nodes[1].max_points = D(-40)
    found = messages(nodes)
    assert "“1”: the maximum cannot be negative." in found
    assert "The code “1” is used twice." in found
    assert "A criterion has no code." in found


def test_circular_parents_are_reported_without_adding_anything_up():
    nodes = [
        Node("a", kind="group", max_points=D(1), parent_code="b"),
        Node("b", kind="group", max_points=D(1), parent_code="a"),
    ]
    found = messages(nodes)
    assert "“a” is inside itself (its parents go round in a circle)." in found
    assert not any("add up" in message for message in found)


def test_a_target_ratio_without_target_and_a_bonus_without_cap_are_refused():
    nodes = tree_100()
    nodes[4].has_target = False
    found = messages(nodes, bonus_cap=D(0))
    assert "“2.b” is scored against a target, but no target is chosen." in found
    assert "“B” is a bonus item but the table's bonus cap is 0." in found


def test_unknown_parent_and_a_part_under_a_leaf_are_refused():
    found = messages([*tree_100(), Node("x", parent_code="nowhere"), Node("y", parent_code="1")])
    assert "“x”: its parent “nowhere” does not exist." in found
    assert "“y” is placed under “1”, which is not a section or group." in found


def test_running_totals_add_the_leaves_of_every_section():
    totals = section_totals(tree_100())
    assert totals["I"] == D(60)
    assert totals["2"] == D(20)
    assert totals["II"] == D(40)
