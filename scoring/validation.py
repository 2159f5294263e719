"""Is a rubric's tree consistent? Pure: works on plain nodes, so the editor, the
Excel import and the services check a tree the same way before anything is saved.

Rules (domain.md sections 4–5): maxima are numbers ≥ 0; codes are unique; a
node's parent exists and no node is its own ancestor; a group's maximum equals
the sum of its children's; the top-level sections add up to the rubric's total;
bonus and deduction items sit at the top level, outside the total, and their
caps are set; a target-based criterion names its target.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.text import vi_number

GROUP = "group"
OUTSIDE_TOTAL = {"bonus", "deduction"}
NEEDS_TARGET = {"target_ratio"}

NEGATIVE_MAX = _("“%(code)s”: the maximum cannot be negative.")
DUPLICATE_CODE = _("The code “%(code)s” is used twice.")
EMPTY_CODE = _("A criterion has no code.")
UNKNOWN_PARENT = _("“%(code)s”: its parent “%(parent)s” does not exist.")
CIRCULAR = _("“%(code)s” is inside itself (its parents go round in a circle).")
CHILDREN_DO_NOT_ADD_UP = _("“%(code)s” has a maximum of %(max)s but its parts add up to %(sum)s.")
LEAF_GROUP = _("“%(code)s” is a section or group but has no parts.")
SECTIONS_DO_NOT_ADD_UP = _(
    "The sections add up to %(sum)s points but the table's total is %(total)s."
)
OUTSIDE_NOT_TOP = _(
    "“%(code)s”: bonus and deduction items stand on their own, outside the sections."
)
NO_CAP = _("“%(code)s” is a %(kind)s item but the table's %(kind)s cap is 0.")
NO_TARGET = _("“%(code)s” is scored against a target, but no target is chosen.")
CHILD_OF_LEAF = _("“%(code)s” is placed under “%(parent)s”, which is not a section or group.")


@dataclass
class Node:
    code: str
    title: str = ""
    kind: str = "manual"
    max_points: Decimal = Decimal(0)
    parent_code: str | None = None
    has_target: bool = False
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Problem:
    message: str
    code: str | None = None


def _fmt(value: Decimal) -> str:
    return vi_number(value)


def validate_tree(
    nodes: list[Node],
    *,
    scale_total: Decimal,
    bonus_cap: Decimal = Decimal(0),
    deduction_cap: Decimal = Decimal(0),
) -> list[Problem]:
    """Every problem of the tree, in a stable order (empty when it is consistent)."""
    problems: list[Problem] = []
    by_code: dict[str, Node] = {}
    for node in nodes:
        if not node.code:
            problems.append(Problem(str(EMPTY_CODE)))
            continue
        if node.code in by_code:
            problems.append(Problem(str(DUPLICATE_CODE % {"code": node.code}), node.code))
            continue
        by_code[node.code] = node
        if node.max_points < 0:
            problems.append(Problem(str(NEGATIVE_MAX % {"code": node.code}), node.code))
    children: dict[str | None, list[Node]] = defaultdict(list)
    for node in by_code.values():
        parent = node.parent_code or None
        if parent is not None and parent not in by_code:
            problems.append(
                Problem(str(UNKNOWN_PARENT % {"code": node.code, "parent": parent}), node.code)
            )
            continue
        children[parent].append(node)
    circles = _circles(by_code)
    if circles:  # sums over a circle mean nothing: report it alone
        return problems + circles
    for node in by_code.values():
        parts = children.get(node.code, [])
        if node.kind == GROUP:
            if not parts:
                problems.append(Problem(str(LEAF_GROUP % {"code": node.code}), node.code))
                continue
            total = sum((part.max_points for part in parts), Decimal(0))
            if total != node.max_points:
                problems.append(
                    Problem(
                        str(
                            CHILDREN_DO_NOT_ADD_UP
                            % {
                                "code": node.code,
                                "max": _fmt(node.max_points),
                                "sum": _fmt(total),
                            }
                        ),
                        node.code,
                    )
                )
        elif parts:
            for part in parts:
                problems.append(
                    Problem(
                        str(CHILD_OF_LEAF % {"code": part.code, "parent": node.code}), part.code
                    )
                )
        if node.kind in OUTSIDE_TOTAL:
            if node.parent_code:
                problems.append(Problem(str(OUTSIDE_NOT_TOP % {"code": node.code}), node.code))
            cap = bonus_cap if node.kind == "bonus" else deduction_cap
            if cap <= 0:
                kind = _("bonus") if node.kind == "bonus" else _("deduction")
                problems.append(Problem(str(NO_CAP % {"code": node.code, "kind": kind}), node.code))
        if node.kind in NEEDS_TARGET and not node.has_target:
            problems.append(Problem(str(NO_TARGET % {"code": node.code}), node.code))
    sections = [node for node in children.get(None, []) if node.kind not in OUTSIDE_TOTAL]
    section_sum = sum((node.max_points for node in sections), Decimal(0))
    if sections and section_sum != scale_total:
        problems.append(
            Problem(
                str(SECTIONS_DO_NOT_ADD_UP % {"sum": _fmt(section_sum), "total": _fmt(scale_total)})
            )
        )
    return problems


def _circles(by_code: dict[str, Node]) -> list[Problem]:
    problems = []
    for code in by_code:
        seen = {code}
        parent = by_code[code].parent_code
        while parent and parent in by_code:
            if parent in seen:
                problems.append(Problem(str(CIRCULAR % {"code": code}), code))
                break
            seen.add(parent)
            parent = by_code[parent].parent_code
    return problems


def section_totals(nodes: list[Node]) -> dict[str, Decimal]:
    """Each node's sum of its leaves' maxima: the editor's running totals."""
    children: dict[str | None, list[Node]] = defaultdict(list)
    for node in nodes:
        children[node.parent_code or None].append(node)
    totals: dict[str, Decimal] = {}

    def total(node: Node, depth: int = 0) -> Decimal:
        parts = children.get(node.code, [])
        if not parts or depth > len(nodes):
            value = node.max_points
        else:
            value = sum((total(part, depth + 1) for part in parts), Decimal(0))
        totals[node.code] = value
        return value

    for root in children.get(None, []):
        total(root)
    return totals
