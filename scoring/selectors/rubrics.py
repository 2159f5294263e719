"""Read queries and pure helpers for scoring tables (rubrics).

The tree of a rubric is read in one query (``rubric_criteria``) and put in tree
order (depth first, siblings by ``order``), each criterion carrying ``depth`` and
``parent_code``; the editor, the PDF, the Excel export and the checks all walk
that list.

Parameters: a criterion stores its formula's parameters as
``scoring.formulas`` writes them (``params.to_dict()``), with every amount as a
string with 2 decimals ("5.00"). The amount that *is* the criterion's maximum
(``max_points`` for the scored kinds, ``cap`` for bonus and deduction) always
equals ``Criterion.max_points``: the services keep the two in step, so
``params_from_dict(criterion.kind, criterion.params)`` works and so does
``criterion_formula(criterion)``. A group stores ``{}``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Max, Q
from django.db.models.base import ModelState

from clusters.models import ClusterYear, Organizer
from covenants.models import Covenant, Target
from scoring import formulas
from scoring.models import Criterion, CriterionKind, Rubric
from scoring.services.messages import PARAMS_PROBLEM, RUBRIC_EMPTY
from scoring.validation import Node, Problem, section_totals, validate_tree

CENT = Decimal("0.01")
# Kinds whose formula reads the unit's covenant target (T).
TARGET_KINDS = frozenset({CriterionKind.TARGET_RATIO, CriterionKind.RELATIVE_LEADER})
# The parameter that repeats the criterion's maximum, per kind.
_MAXIMUM_PARAM = {
    CriterionKind.BONUS: "cap",
    CriterionKind.DEDUCTION: "cap",
}


# Parameters ----------------------------------------------------------------------------


def maximum_param(kind: str) -> str | None:
    """The parameter holding the criterion's maximum (None for a group)."""
    if kind == CriterionKind.GROUP:
        return None
    return _MAXIMUM_PARAM.get(kind, "max_points")


def formula_params(kind: str, max_points: Decimal, params: Mapping[str, Any] | None) -> Any:
    """The ``scoring.formulas`` parameters of a criterion: ``params`` with the maximum
    taken from ``max_points``. Raises ``formulas.InvalidParameters`` (messages for
    people) and ``ValueError`` for a group."""
    data = dict(params or {})
    name = maximum_param(kind)
    if name is None:
        raise ValueError("a group has no formula")
    data.pop("max_points", None)
    data.pop("cap", None)
    data[name] = max_points
    return formulas.params_from_dict(kind, data)


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(CENT, rounding=ROUND_HALF_UP))
    return value


def stored_params(kind: str, max_points: Decimal, params: Mapping[str, Any] | None) -> dict:
    """What ``Criterion.params`` holds: canonical strings, the maximum included ({} for a
    group). Raises ``formulas.InvalidParameters`` like ``formula_params``."""
    if kind == CriterionKind.GROUP:
        return {}
    parsed = formula_params(kind, max_points, params)
    return {key: _canonical(getattr(parsed, key)) for key in parsed.to_dict()}


def params_extras(kind: str, params: Mapping[str, Any] | None) -> dict[str, str]:
    """The parameters a person sets beside the maximum, without those left at their
    default (what the Excel sheet and the edit form show)."""
    name = maximum_param(kind)
    if name is None:
        return {}
    cls = formulas.params_class(kind)
    defaults = {
        item.name: item.default for item in fields(cls) if isinstance(item.default, Decimal)
    }
    extras: dict[str, str] = {}
    for key, value in (params or {}).items():
        if key == name:
            continue
        if key in defaults:
            try:
                if Decimal(str(value)) == defaults[key]:
                    continue
            except ArithmeticError:
                pass
        extras[key] = value
    return extras


def params_equal(kind: str, first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Same parameters, whatever the number spelling ("5" = "5.00")."""

    def plain(params: Mapping[str, Any]) -> dict[str, Any]:
        result = {}
        for key, value in params_extras(kind, params).items():
            try:
                result[key] = Decimal(str(value))
            except ArithmeticError:
                result[key] = value
        return result

    return plain(first) == plain(second)


def criterion_formula(criterion: Criterion) -> Any | None:
    """The formula parameters of a criterion; None for a group or unusable parameters."""
    if criterion.kind == CriterionKind.GROUP:
        return None
    try:
        return formula_params(criterion.kind, criterion.max_points, criterion.params)
    except (formulas.InvalidParameters, ValueError):
        return None


def criterion_explanation(criterion: Criterion) -> str:
    """How the criterion's points are computed, in plain words for units ("" for a
    group or when its parameters are not usable; ``rubric_problems`` names those)."""
    params = criterion_formula(criterion)
    return params.describe() if params is not None else ""


# The tree ----------------------------------------------------------------------------


def tree_order(criteria: Iterable[Criterion]) -> list[Criterion]:
    """Depth first, siblings by (order, pk); sets ``depth`` and ``parent_code`` on each.

    A criterion whose parent is missing from ``criteria`` is treated as top level, so
    nothing is ever lost from the list.
    """
    items = list(criteria)
    by_id = {item.pk: item for item in items}
    children: dict[int | None, list[Criterion]] = defaultdict(list)
    for item in items:
        parent = item.parent_id if item.parent_id in by_id else None
        children[parent].append(item)
    for siblings in children.values():
        siblings.sort(key=lambda item: (item.order, item.pk))
    result: list[Criterion] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for item in children.get(parent, []):
            if item.pk in seen:
                continue
            seen.add(item.pk)
            item.depth = depth  # type: ignore[attr-defined]
            item.parent_code = by_id[parent].code if parent is not None else None  # type: ignore[attr-defined]
            result.append(item)
            walk(item.pk, depth + 1)

    walk(None, 0)
    for item in items:  # only reachable through a circle: keep them visible at the top
        if item.pk not in seen:
            item.depth = 0  # type: ignore[attr-defined]
            item.parent_code = by_id[item.parent_id].code if item.parent_id in by_id else None  # type: ignore[attr-defined]
            result.append(item)
    return result


def rubric_criteria(rubric: Rubric) -> list[Criterion]:
    """The rubric's criteria in tree order with ``depth`` and ``parent_code`` (one query;
    none for a frozen rubric read before by this process).

    A frozen rubric never changes (``services.criteria`` refuses every edit, a new
    version is another rubric), so its tree is kept per process, keyed by the rubric, the
    moment it was frozen and — read in one light query, against a criterion written
    around the services — how many criteria it has and the newest one; every caller
    gets its own copies of the criteria."""
    if rubric.pk is None or rubric.frozen_at is None:
        return _read_tree(rubric)
    stamp = Criterion.objects.filter(rubric_id=rubric.pk).aggregate(n=Count("pk"), last=Max("pk"))
    key = (rubric._state.db, rubric.pk, rubric.frozen_at, stamp["n"], stamp["last"])
    with _FROZEN_LOCK:
        tree = _FROZEN_TREES.get(key)
        if tree is not None:
            _FROZEN_TREES.move_to_end(key)
    if tree is None:
        tree = _read_tree(rubric)
        with _FROZEN_LOCK:
            _FROZEN_TREES[key] = tree
            while len(_FROZEN_TREES) > FROZEN_TREES_KEPT:
                _FROZEN_TREES.popitem(last=False)
    return [_copy(item) for item in tree]


# Frozen trees kept per process: a province's rubrics of a year, with room.
FROZEN_TREES_KEPT = 256
_FROZEN_TREES: OrderedDict[tuple[Any, ...], list[Criterion]] = OrderedDict()
_FROZEN_LOCK = threading.Lock()


def forget_frozen_trees() -> None:
    """Empty the per-process cache of frozen trees (tests whose database is recreated)."""
    with _FROZEN_LOCK:
        _FROZEN_TREES.clear()


def _read_tree(rubric: Rubric) -> list[Criterion]:
    return tree_order(rubric.criteria.select_related("target").order_by("order", "pk"))


def _copy(item: Criterion) -> Criterion:
    # Not copy.copy: a model instance copies through pickling's __reduce__, 20× slower.
    clone = Criterion.__new__(Criterion)
    clone.__dict__.update(item.__dict__)
    state = ModelState()
    state.db, state.adding = item._state.db, False
    state.fields_cache = dict(item._state.fields_cache)
    clone._state = state
    return clone


def criteria_nodes(rubric: Rubric, criteria: list[Criterion]) -> list[Node]:
    """Plain nodes for ``scoring.validation`` (``criteria`` from ``rubric_criteria``).

    A template's target-based criteria count as having a target: the target is
    chosen when a cluster uses the template.
    """
    return [
        Node(
            code=item.code,
            title=item.title,
            kind=item.kind,
            max_points=item.max_points,
            parent_code=getattr(item, "parent_code", None),
            has_target=item.target_id is not None or rubric.is_template,
            params=dict(item.params or {}),
        )
        for item in criteria
    ]


def rubric_totals(rubric: Rubric, criteria: list[Criterion]) -> dict[str, Decimal]:
    """Each criterion's running total (sum of its leaves' maxima), by code."""
    return section_totals(criteria_nodes(rubric, criteria))


def rubric_problems(rubric: Rubric, criteria: list[Criterion] | None = None) -> list[Problem]:
    """Everything that keeps the rubric from being frozen, in the tree's order: the
    tree rules of ``scoring.validation`` and each criterion's formula parameters.
    Empty when it can be frozen. Messages are in the active language."""
    if criteria is None:
        criteria = rubric_criteria(rubric)
    if not criteria:
        return [Problem(str(RUBRIC_EMPTY))]
    problems = validate_tree(
        criteria_nodes(rubric, criteria),
        scale_total=rubric.scale_total,
        bonus_cap=rubric.bonus_cap,
        deduction_cap=rubric.deduction_cap,
    )
    for item in criteria:
        if item.kind == CriterionKind.GROUP:
            continue
        try:
            formula_params(item.kind, item.max_points, item.params)
        except formulas.InvalidParameters as exc:
            problems.extend(
                Problem(str(PARAMS_PROBLEM % {"code": item.code, "error": message}), item.code)
                for message in exc.messages
            )
        except ValueError:
            continue  # an unknown kind: the database refuses it
    return problems


# Rubrics of a year and of the library ------------------------------------------------


def year_rubrics(*, cluster_year: ClusterYear) -> list[Rubric]:
    """Every version of the year's rubric, newest first."""
    return list(
        Rubric.objects.filter(cluster_year=cluster_year)
        .select_related("previous", "created_by")
        .annotate(criteria_count=Count("criteria"))
        .order_by("-version")
    )


def latest_rubric(*, cluster_year: ClusterYear) -> Rubric | None:
    """The newest version of the year's rubric (the one scoring uses)."""
    return Rubric.objects.filter(cluster_year=cluster_year).order_by("-version").first()


def previous_year_rubric(*, cluster_year: ClusterYear) -> Rubric | None:
    """The newest version of last year's rubric of the same cluster."""
    return (
        Rubric.objects.filter(
            cluster_year__cluster_id=cluster_year.cluster_id,
            cluster_year__year=cluster_year.year - 1,
        )
        .select_related("cluster_year")
        .order_by("-version")
        .first()
    )


def organizer_templates(*, organizer: Organizer | int) -> list[Rubric]:
    """The organizer's library of template rubrics, by name (Vietnamese order)."""
    from core.text import vi_sort_key

    organizer_id = organizer if isinstance(organizer, int) else organizer.pk
    templates = list(
        Rubric.objects.filter(organizer_id=organizer_id, cluster_year__isnull=True)
        .select_related("created_by")
        .annotate(criteria_count=Count("criteria"))
    )
    return sorted(templates, key=lambda rubric: (vi_sort_key(rubric.name), rubric.pk))


def year_covenant(*, cluster_year: ClusterYear | int) -> Covenant | None:
    """The newest version of the year's covenant."""
    year_id = cluster_year if isinstance(cluster_year, int) else cluster_year.pk
    return Covenant.objects.filter(cluster_year_id=year_id).order_by("-version").first()


def year_targets(*, cluster_year: ClusterYear | int) -> list[Target]:
    """The targets a criterion of the year's rubric may be linked to: those of the
    newest version of the year's covenant, in order."""
    covenant = year_covenant(cluster_year=cluster_year)
    if covenant is None:
        return []
    return list(covenant.targets.order_by("order", "pk"))


def target_of_year(*, cluster_year_id: int, target_id: int) -> bool:
    """Is the target one of the year's covenant targets (any version)?"""
    return Target.objects.filter(
        Q(pk=target_id) & Q(covenant__cluster_year_id=cluster_year_id)
    ).exists()
