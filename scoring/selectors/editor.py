"""Read queries of the rubric pages (the editor, the read-only tree, the lists).

Each builds what a page shows in a fixed number of queries, whatever the size of
the tree: the criteria come in one query and the tree is put together in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F

from clusters.models import Organizer
from core.text import vi_number
from covenants.models import Target
from scoring.models import OUTSIDE_TOTAL, Criterion, CriterionKind, Rubric
from scoring.selectors import rubrics as selectors
from scoring.validation import Problem

ZERO = Decimal(0)


@dataclass
class Row:
    """One line of the tree as the editor shows it."""

    criterion: Criterion
    depth: int
    parts_total: Decimal  # the sum of its leaves' maxima (its own maximum for a leaf)
    explanation: str
    parts: int = 0  # direct children
    descendants: int = 0
    first: bool = False
    last: bool = False
    can_indent: bool = False  # the previous sibling is a group it can go into
    has_problem: bool = False

    @property
    def is_group(self) -> bool:
        return self.criterion.kind == CriterionKind.GROUP

    @property
    def is_outside(self) -> bool:
        return self.criterion.kind in OUTSIDE_TOTAL

    @property
    def adds_up(self) -> bool:
        """A group whose parts add up to its maximum."""
        return not self.is_group or self.parts_total == self.criterion.max_points

    @property
    def is_top(self) -> bool:
        return self.depth == 0

    @property
    def cannot_indent(self) -> bool:
        return not self.can_indent

    @property
    def max_text(self) -> str:
        return vi_number(self.criterion.max_points)

    @property
    def parts_text(self) -> str:
        return vi_number(self.parts_total)

    @property
    def indent_rem(self) -> str:
        # A string, so number localisation ("1,5") never reaches the CSS.
        return f"{self.depth * 1.5:.1f}"


@dataclass
class Totals:
    scale_total: Decimal
    sections: Decimal  # what the top-level sections add up to
    bonus: Decimal  # the bonus items' maxima together
    deduction: Decimal
    bonus_cap: Decimal
    deduction_cap: Decimal
    section_rows: list[Row] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.scale_total - self.sections

    @property
    def matches(self) -> bool:
        return self.sections == self.scale_total

    @property
    def scale_text(self) -> str:
        return vi_number(self.scale_total)

    @property
    def sections_text(self) -> str:
        return vi_number(self.sections)

    @property
    def remaining_text(self) -> str:
        return vi_number(abs(self.remaining))

    @property
    def bonus_text(self) -> str:
        return vi_number(self.bonus)

    @property
    def deduction_text(self) -> str:
        return vi_number(self.deduction)

    @property
    def bonus_cap_text(self) -> str:
        return vi_number(self.bonus_cap)

    @property
    def deduction_cap_text(self) -> str:
        return vi_number(self.deduction_cap)

    @property
    def percent(self) -> int:
        """How full the scale is, 0–100, for the progress bar."""
        if self.scale_total <= 0:
            return 0
        return int(max(ZERO, min(self.sections / self.scale_total * 100, Decimal(100))))


@dataclass
class Tree:
    rubric: Rubric
    rows: list[Row]
    totals: Totals
    problems: list[Problem]

    @property
    def section_rows(self) -> list[Row]:
        return [row for row in self.rows if row.depth == 0 and not row.is_outside]

    @property
    def outside_rows(self) -> list[Row]:
        return [row for row in self.rows if row.depth == 0 and row.is_outside]

    def row_for(self, pk: int) -> Row | None:
        return next((row for row in self.rows if row.criterion.pk == pk), None)


def build_rows(rubric: Rubric, criteria: list[Criterion]) -> list[Row]:
    """The editor's rows from ``rubric_criteria`` (tree order, with depth)."""
    totals = selectors.rubric_totals(rubric, criteria)
    siblings: dict[int | None, list[Criterion]] = defaultdict(list)
    known = {criterion.pk for criterion in criteria}
    for criterion in criteria:
        siblings[criterion.parent_id if criterion.parent_id in known else None].append(criterion)
    rows: list[Row] = []
    for criterion in criteria:
        group = siblings[criterion.parent_id if criterion.parent_id in known else None]
        index = group.index(criterion)
        previous = group[index - 1] if index > 0 else None
        rows.append(
            Row(
                criterion=criterion,
                depth=getattr(criterion, "depth", 0),
                parts_total=totals.get(criterion.code, criterion.max_points),
                explanation=selectors.criterion_explanation(criterion),
                parts=len(siblings.get(criterion.pk, [])),
                first=index == 0,
                last=index == len(group) - 1,
                # Bonus and deduction items stand on their own, outside the sections.
                can_indent=previous is not None
                and previous.kind == CriterionKind.GROUP
                and criterion.kind not in OUTSIDE_TOTAL,
            )
        )
    # Everything below a row, for "delete with its N parts".
    for position, row in enumerate(rows):
        count = 0
        for later in rows[position + 1 :]:
            if later.depth <= row.depth:
                break
            count += 1
        row.descendants = count
    return rows


def rubric_tree(*, rubric: Rubric) -> Tree:
    """The editor's tree, running totals and problems in one query (the criteria with
    their targets; the problems are checked on the same list)."""
    criteria = selectors.rubric_criteria(rubric)
    rows = build_rows(rubric, criteria)
    problems = selectors.rubric_problems(rubric, criteria)
    flagged = {problem.code for problem in problems if problem.code}
    for row in rows:
        row.has_problem = row.criterion.code in flagged
    sections = [row for row in rows if row.depth == 0 and not row.is_outside]
    totals = Totals(
        scale_total=rubric.scale_total,
        sections=sum((row.criterion.max_points for row in sections), ZERO),
        bonus=sum(
            (row.criterion.max_points for row in rows if row.criterion.kind == "bonus"), ZERO
        ),
        deduction=sum(
            (row.criterion.max_points for row in rows if row.criterion.kind == "deduction"), ZERO
        ),
        bonus_cap=rubric.bonus_cap,
        deduction_cap=rubric.deduction_cap,
        section_rows=sections,
    )
    return Tree(rubric=rubric, rows=rows, totals=totals, problems=problems)


def criterion_in(*, rubric: Rubric, pk: Any) -> Criterion | None:
    """A criterion of this rubric (None for any other id)."""
    try:
        return rubric.criteria.select_related("target").get(pk=int(pk))
    except (Criterion.DoesNotExist, TypeError, ValueError):
        return None


def copy_sources(*, organizer: Organizer) -> list[Rubric]:
    """Rubrics a new template may start from: the library, then the years' rubrics."""
    return list(
        Rubric.objects.filter(organizer=organizer)
        .select_related("cluster_year__cluster")
        .order_by(F("cluster_year").asc(nulls_first=True), "-cluster_year__year", "-version", "pk")
    )


def target_choices(*, rubric: Rubric, current: Target | None = None) -> list[Target]:
    """Targets a criterion may be scored against: the newest covenant version of the
    rubric's year (and the target already chosen, wherever it is)."""
    if rubric.cluster_year_id is None:
        return []
    targets = selectors.year_targets(cluster_year=rubric.cluster_year_id)
    if current is not None and all(target.pk != current.pk for target in targets):
        targets.append(current)
    return targets


def pdf_rows(tree: Tree) -> list[Row]:
    """The rows as printed: the sections, then the bonus and deduction items."""
    inside: list[Row] = []
    outside: list[Row] = []
    bucket = inside
    for row in tree.rows:
        if row.depth == 0:
            bucket = outside if row.is_outside else inside
        bucket.append(row)
    return inside + outside
