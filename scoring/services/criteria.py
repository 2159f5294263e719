"""Criteria of a scoring table: add, change, remove, reorder, indent and outdent.

Each service locks the rubric row (so two editors of one table take turns), refuses
any change once the rubric is frozen, checks the fields, writes, and logs
"scoring.criterion.*" in the organizer's activity log.

What is refused here (``ValidationError``, by field): an empty or duplicate code, an
empty title, an unknown type, a maximum that is not a number ≥ 0 (above 0 for a
criterion that gives or takes points), parameters ``scoring.formulas`` cannot use, a
target that is not one of this year's covenant targets (or on a library template, or
on a type that reads no target), a criterion under something that is not a section
or group. What is *not* refused while editing: sums that do not add up, a section
with no parts, a target-based criterion still without its target —
``scoring.selectors.rubrics.rubric_problems`` lists those, and freezing waits for them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import fields as dataclass_fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import changes, log_action
from core.text import nfc
from covenants.models import Target
from covenants.services.drafting import parse_vi_decimal
from scoring import formulas
from scoring.models import Criterion, CriterionKind, Rubric
from scoring.selectors.rubrics import (
    TARGET_KINDS,
    params_extras,
    stored_params,
    target_of_year,
    tree_order,
)
from scoring.services.messages import (
    AFTER_OTHER_PARENT,
    CODE_REQUIRED,
    CODE_TAKEN,
    CODE_TOO_LONG,
    CRITERION_GONE,
    GROUP_HAS_PARTS,
    INDENT_ABOVE_NOT_GROUP,
    INDENT_NOTHING_ABOVE,
    KIND_UNKNOWN,
    MAX_NEGATIVE,
    MAX_NOT_POSITIVE,
    MOVE_ALREADY_FIRST,
    MOVE_ALREADY_LAST,
    MOVE_DIRECTION_UNKNOWN,
    NOT_A_NUMBER,
    NUMBER_TOO_LARGE,
    OUTDENT_AT_TOP,
    PARAMS_NOT_OBJECT,
    PARENT_NOT_GROUP,
    PARENT_OTHER_RUBRIC,
    RUBRIC_FROZEN,
    TARGET_NOT_FOR_KIND,
    TARGET_ON_TEMPLATE,
    TARGET_OTHER_YEAR,
    TITLE_REQUIRED,
    TITLE_TOO_LONG,
    TOO_MANY_DECIMALS,
)

CODE_LIMIT = 30
TITLE_LIMIT = 500
POINTS_LIMIT = formulas.POINTS_LIMIT
CENT = Decimal("0.01")
# The fields of a criterion a person edits (parent and order change by move/indent).
EDITABLE_FIELDS = (
    "code",
    "title",
    "kind",
    "max_points",
    "params",
    "guidance",
    "evidence_required",
    "target",
)
KINDS = {choice.value for choice in CriterionKind}


# Shared by every scoring service ------------------------------------------------------


def lock_rubric(rubric: Rubric | int) -> Rubric:
    """Re-read the rubric under ``select_for_update`` (inside ``transaction.atomic``).

    Only the rubric row is locked: PostgreSQL refuses FOR UPDATE on the nullable
    side of the outer join to the cluster year.
    """
    pk = rubric if isinstance(rubric, int) else rubric.pk
    return (
        Rubric.objects.select_for_update(of=("self",))
        .select_related("organizer", "cluster_year__cluster")
        .get(pk=pk)
    )


def require_editable(rubric: Rubric) -> None:
    if rubric.is_frozen:
        raise ValidationError(RUBRIC_FROZEN, code="frozen")


def clean_text(value: Any) -> str:
    """Multi-line text in NFC, Unix line ends, no trailing blanks on lines or at the end."""
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def parse_points(value: Any) -> Decimal:
    """A number of points from a Decimal, an int or text written the Vietnamese way
    ("12,5", "1.000") or with a decimal point ("12.5"). Raises ``ValidationError``
    (not a number, more than 2 decimals, too large); the sign is checked by callers."""
    if isinstance(value, bool):
        raise ValidationError(NOT_A_NUMBER, params={"value": value}, code="invalid")
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        try:
            number = parse_vi_decimal(value)
        except ValidationError:
            number = None
        if number is None:
            raise ValidationError(NOT_A_NUMBER, params={"value": value or ""}, code="invalid")
    if not number.is_finite():
        raise ValidationError(NOT_A_NUMBER, params={"value": value}, code="invalid")
    try:
        exact = number.quantize(CENT, rounding=ROUND_HALF_UP) == number
    except InvalidOperation:
        exact = False
    if abs(number) >= POINTS_LIMIT:
        raise ValidationError(NUMBER_TOO_LARGE, params={"value": value}, code="too_large")
    if not exact:
        raise ValidationError(TOO_MANY_DECIMALS, params={"value": value}, code="decimals")
    return number.quantize(CENT)


def scope_of(rubric: Rubric) -> int:
    """The organizer whose activity log records what happens to ``rubric``."""
    return rubric.organizer_id


# Checking a criterion -------------------------------------------------------------------


def criterion_values(
    rubric: Rubric,
    *,
    code: Any,
    title: Any,
    kind: Any,
    max_points: Any,
    params: Any,
    guidance: Any,
    evidence_required: Any,
    target: Target | None,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """The fields of a criterion, cleaned; raises ``ValidationError`` by field with
    every problem at once."""
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, message: Any, **params: Any) -> None:
        errors.setdefault(field, []).append(ValidationError(message, params=params or None))

    code = nfc(str(code or ""))
    if not code:
        refuse("code", CODE_REQUIRED)
    elif len(code) > CODE_LIMIT:
        refuse("code", CODE_TOO_LONG, limit=CODE_LIMIT)
    elif Criterion.objects.filter(rubric=rubric, code=code).exclude(pk=exclude_pk).exists():
        refuse("code", CODE_TAKEN, code=code)
    title = nfc(str(title or ""))
    if not title:
        refuse("title", TITLE_REQUIRED)
    elif len(title) > TITLE_LIMIT:
        refuse("title", TITLE_TOO_LONG, limit=TITLE_LIMIT)
    kind = str(kind or "")
    if kind not in KINDS:
        refuse("kind", KIND_UNKNOWN, kind=kind)
    maximum: Decimal | None = None
    try:
        maximum = parse_points(max_points)
    except ValidationError as exc:
        errors.setdefault("max_points", []).append(exc)
    if maximum is not None and maximum < 0:
        refuse("max_points", MAX_NEGATIVE)
        maximum = None
    if maximum is not None and maximum == 0 and kind in KINDS and kind != CriterionKind.GROUP:
        refuse("max_points", MAX_NOT_POSITIVE)
        maximum = None
    if params is None:
        params = {}
    stored: dict[str, Any] = {}
    if not isinstance(params, Mapping):
        refuse("params", PARAMS_NOT_OBJECT)
    elif kind in KINDS and maximum is not None:
        try:
            stored = stored_params(kind, maximum, params)
        except formulas.InvalidParameters as exc:
            for message in exc.messages:
                errors.setdefault("params", []).append(ValidationError(message))
    if target is not None:
        if rubric.is_template:
            refuse("target", TARGET_ON_TEMPLATE)
        elif kind in KINDS and kind not in TARGET_KINDS:
            refuse("target", TARGET_NOT_FOR_KIND)
        elif not target_of_year(cluster_year_id=rubric.cluster_year_id, target_id=target.pk):
            refuse("target", TARGET_OTHER_YEAR)
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "title": title,
        "kind": kind,
        "max_points": maximum,
        "params": stored,
        "guidance": clean_text(guidance),
        "evidence_required": bool(evidence_required),
        "target": target,
    }


def _state(criterion: Criterion) -> dict[str, Any]:
    return {
        "code": criterion.code,
        "title": criterion.title,
        "kind": criterion.kind,
        "max_points": str(criterion.max_points),
        "params": dict(criterion.params or {}),
        "guidance": criterion.guidance,
        "evidence_required": criterion.evidence_required,
        "target": criterion.target_id,
        "parent": criterion.parent.code if criterion.parent_id else None,
        "order": criterion.order,
    }


def _log(actor: Any, action: str, rubric: Rubric, criterion: Criterion, data: dict) -> None:
    log_action(
        actor=actor,
        action=action,
        obj=criterion,
        scope_id=scope_of(rubric),
        data={"rubric": {"id": rubric.pk, "name": rubric.name, "version": rubric.version}, **data},
    )


def _locked_criterion(criterion: Criterion) -> tuple[Rubric, Criterion]:
    rubric = lock_rubric(criterion.rubric_id)
    require_editable(rubric)
    fresh = (
        Criterion.objects.select_related("parent", "target")
        .filter(pk=criterion.pk, rubric=rubric)
        .first()
    )
    if fresh is None:
        raise ValidationError(CRITERION_GONE, code="gone")
    return rubric, fresh


def _siblings(rubric: Rubric, parent_id: int | None) -> list[Criterion]:
    return list(
        Criterion.objects.filter(rubric=rubric, parent_id=parent_id)
        .select_related("parent")
        .order_by("order", "pk")
    )


def _renumber(siblings: list[Criterion]) -> None:
    """Orders 1, 2, 3 … in list order (only the rows that change are written)."""
    changed = []
    for position, item in enumerate(siblings, start=1):
        if item.order != position:
            item.order = position
            changed.append(item)
    if changed:
        Criterion.objects.bulk_update(changed, ["order"])


# Services -------------------------------------------------------------------------------


def criterion_add(
    *,
    actor: Any,
    rubric: Rubric,
    parent: Criterion | None = None,
    after: Criterion | None = None,
    code: str,
    title: str,
    kind: str,
    max_points: Any,
    params: Mapping[str, Any] | None = None,
    guidance: str = "",
    evidence_required: bool = False,
    target: Target | None = None,
) -> Criterion:
    """A new criterion: right after ``after`` (at its level) or as the last part of
    ``parent`` (the last top-level item when both are None)."""
    with transaction.atomic():
        rubric = lock_rubric(rubric)
        require_editable(rubric)
        if after is not None:
            after = Criterion.objects.filter(pk=after.pk).first()
            if after is None:
                raise ValidationError(CRITERION_GONE, code="gone")
            if after.rubric_id != rubric.pk:
                raise ValidationError({"after": ValidationError(PARENT_OTHER_RUBRIC)})
            if parent is not None and after.parent_id != parent.pk:
                raise ValidationError({"after": ValidationError(AFTER_OTHER_PARENT)})
            parent_id = after.parent_id
        else:
            parent_id = parent.pk if parent is not None else None
        if parent_id is not None:
            parent = Criterion.objects.filter(pk=parent_id).first()
            if parent is None:
                raise ValidationError(CRITERION_GONE, code="gone")
            if parent.rubric_id != rubric.pk:
                raise ValidationError({"parent": ValidationError(PARENT_OTHER_RUBRIC)})
            if parent.kind != CriterionKind.GROUP:
                raise ValidationError(
                    {"parent": ValidationError(PARENT_NOT_GROUP, params={"code": parent.code})}
                )
        values = criterion_values(
            rubric,
            code=code,
            title=title,
            kind=kind,
            max_points=max_points,
            params=params,
            guidance=guidance,
            evidence_required=evidence_required,
            target=target,
        )
        siblings = _siblings(rubric, parent_id)
        criterion = Criterion(rubric=rubric, parent_id=parent_id, order=len(siblings) + 1, **values)
        criterion.save()
        if after is not None:
            position = next(i for i, item in enumerate(siblings) if item.pk == after.pk)
            siblings.insert(position + 1, criterion)
            _renumber(siblings)
        criterion.parent = parent if parent_id is not None else None
        _log(actor, "scoring.criterion.added", rubric, criterion, {"new": _state(criterion)})
    return criterion


def criterion_update(*, actor: Any, criterion: Criterion, **fields: Any) -> Criterion:
    """Change any of ``EDITABLE_FIELDS``. Changing the type keeps the parameters the new
    type also has; a target is dropped when the new type reads none (unless one is
    given, which is refused); a section with parts stays a section."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"criterion_update() cannot change {sorted(unknown)}")
    with transaction.atomic():
        rubric, criterion = _locked_criterion(criterion)
        before = _state(criterion)
        kind = fields.get("kind", criterion.kind)
        if (
            kind != CriterionKind.GROUP
            and criterion.kind == CriterionKind.GROUP
            and criterion.children.exists()
        ):
            raise ValidationError(
                {"kind": ValidationError(GROUP_HAS_PARTS, params={"code": criterion.code})}
            )
        params = fields.get("params")
        if params is None:
            params = criterion.params or {}
            if kind != criterion.kind and kind in KINDS and kind != CriterionKind.GROUP:
                names = {item.name for item in dataclass_fields(formulas.params_class(kind))}
                params = {
                    key: value
                    for key, value in params_extras(criterion.kind, params).items()
                    if key in names
                }
        target = fields.get("target", criterion.target)
        if "target" not in fields and kind not in TARGET_KINDS:
            target = None
        values = criterion_values(
            rubric,
            code=fields.get("code", criterion.code),
            title=fields.get("title", criterion.title),
            kind=kind,
            max_points=fields.get("max_points", criterion.max_points),
            params=params,
            guidance=fields.get("guidance", criterion.guidance),
            evidence_required=fields.get("evidence_required", criterion.evidence_required),
            target=target,
            exclude_pk=criterion.pk,
        )
        for name, value in values.items():
            setattr(criterion, name, value)
        after = _state(criterion)
        changed = changes(before, after)
        if changed:
            criterion.save(update_fields=list(values))
            _log(actor, "scoring.criterion.updated", rubric, criterion, {"changes": changed})
    return criterion


def _descendants(rubric: Rubric, criterion: Criterion) -> list[Criterion]:
    everything = list(Criterion.objects.filter(rubric=rubric).order_by("order", "pk"))
    children: dict[int | None, list[Criterion]] = {}
    for item in everything:
        children.setdefault(item.parent_id, []).append(item)
    found: list[Criterion] = []
    stack = list(children.get(criterion.pk, []))
    while stack:
        item = stack.pop(0)
        found.append(item)
        stack.extend(children.get(item.pk, []))
    return found


def criterion_delete(*, actor: Any, criterion: Criterion) -> int:
    """Remove the criterion with everything under it; returns how many were removed."""
    with transaction.atomic():
        rubric, criterion = _locked_criterion(criterion)
        parts = _descendants(rubric, criterion)
        state = _state(criterion)
        _log(
            actor,
            "scoring.criterion.deleted",
            rubric,
            criterion,
            {"old": state, "parts": [item.code for item in parts]},
        )
        # Children first: SQLite checks the parent link row by row.
        for item in reversed(parts):
            item.delete()
        parent_id = criterion.parent_id
        criterion.delete()
        _renumber(_siblings(rubric, parent_id))
    return len(parts) + 1


def criterion_move(*, actor: Any, criterion: Criterion, direction: str) -> Criterion:
    """One place up or down among its siblings."""
    if direction not in ("up", "down"):
        raise ValidationError(MOVE_DIRECTION_UNKNOWN, params={"direction": direction})
    with transaction.atomic():
        rubric, criterion = _locked_criterion(criterion)
        siblings = _siblings(rubric, criterion.parent_id)
        index = next(i for i, item in enumerate(siblings) if item.pk == criterion.pk)
        other = index - 1 if direction == "up" else index + 1
        if other < 0:
            raise ValidationError(MOVE_ALREADY_FIRST, params={"code": criterion.code})
        if other >= len(siblings):
            raise ValidationError(MOVE_ALREADY_LAST, params={"code": criterion.code})
        old_order = siblings[index].order
        siblings[index], siblings[other] = siblings[other], siblings[index]
        _renumber(siblings)
        criterion.order = siblings[other].order
        _log(
            actor,
            "scoring.criterion.moved",
            rubric,
            criterion,
            {"direction": direction, "order": {"old": old_order, "new": criterion.order}},
        )
    return criterion


def criterion_indent(*, actor: Any, criterion: Criterion) -> Criterion:
    """Becomes the last part of the section or group just above it at its level."""
    with transaction.atomic():
        rubric, criterion = _locked_criterion(criterion)
        siblings = _siblings(rubric, criterion.parent_id)
        index = next(i for i, item in enumerate(siblings) if item.pk == criterion.pk)
        if index == 0:
            raise ValidationError(INDENT_NOTHING_ABOVE, params={"code": criterion.code})
        above = siblings[index - 1]
        if above.kind != CriterionKind.GROUP:
            raise ValidationError(
                INDENT_ABOVE_NOT_GROUP, params={"code": criterion.code, "above": above.code}
            )
        old_parent = criterion.parent.code if criterion.parent_id else None
        new_siblings = _siblings(rubric, above.pk)
        criterion.parent = above
        criterion.order = len(new_siblings) + 1
        criterion.save(update_fields=["parent", "order"])
        _renumber([item for item in siblings if item.pk != criterion.pk])
        _log(
            actor,
            "scoring.criterion.moved",
            rubric,
            criterion,
            {"indent": True, "parent": {"old": old_parent, "new": above.code}},
        )
    return criterion


def criterion_outdent(*, actor: Any, criterion: Criterion) -> Criterion:
    """Leaves its section: placed right after it, one level up."""
    with transaction.atomic():
        rubric, criterion = _locked_criterion(criterion)
        if criterion.parent_id is None:
            raise ValidationError(OUTDENT_AT_TOP, params={"code": criterion.code})
        old_parent = criterion.parent
        _renumber([item for item in _siblings(rubric, old_parent.pk) if item.pk != criterion.pk])
        new_siblings = _siblings(rubric, old_parent.parent_id)
        position = next(i for i, item in enumerate(new_siblings) if item.pk == old_parent.pk)
        criterion.parent_id = old_parent.parent_id
        criterion.order = 0  # placed by the renumbering below
        criterion.save(update_fields=["parent", "order"])
        new_siblings.insert(position + 1, criterion)
        _renumber(new_siblings)
        criterion.parent = (
            Criterion.objects.filter(pk=old_parent.parent_id).first()
            if old_parent.parent_id
            else None
        )
        _log(
            actor,
            "scoring.criterion.moved",
            rubric,
            criterion,
            {
                "outdent": True,
                "parent": {
                    "old": old_parent.code,
                    "new": criterion.parent.code if criterion.parent else None,
                },
            },
        )
    return criterion


# Copying a tree -------------------------------------------------------------------------


def copy_criteria(
    *,
    source: Rubric,
    into: Rubric,
    target_for: Callable[[Criterion], Target | None],
) -> dict[str, Any]:
    """Copy every criterion of ``source`` into the empty rubric ``into``, keeping the
    tree, orders and parameters; ``target_for(criterion)`` gives each copy's target.

    Returns what the audit entry records: how many were copied, and the codes whose
    target was dropped (a target there, none in the copy).
    """
    criteria = tree_order(source.criteria.select_related("target"))
    new_ids: dict[int, int] = {}
    dropped: list[str] = []
    for item in criteria:  # tree order: a parent is always created before its parts
        target = target_for(item) if item.target_id else None
        if item.target_id and target is None:
            dropped.append(item.code)
        copy = Criterion.objects.create(
            rubric=into,
            parent_id=new_ids.get(item.parent_id) if item.parent_id else None,
            order=item.order,
            code=item.code,
            title=item.title,
            guidance=item.guidance,
            kind=item.kind,
            max_points=item.max_points,
            params=dict(item.params or {}),
            evidence_required=item.evidence_required,
            target=target,
        )
        new_ids[item.pk] = copy.pk
    return {"criteria": len(criteria), "targets_dropped": dropped}
