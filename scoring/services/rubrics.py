"""Scoring tables (rubrics): create one for a cluster year (empty, from a library
template, from last year's table or from an Excel file), keep the organizer's library
of templates, change the settings, import criteria from Excel, and freeze.

One rubric per cluster year; after it is frozen, a change is a new version
(``scoring.services.versions``). Every service locks the rubric (or the cluster year
it creates one for), refuses changes to a frozen rubric, and writes
"scoring.rubric.*" in the organizer's activity log.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clusters.models import ClusterYear, Organizer
from core.audit import changes, log_action, snapshot
from core.text import fold, nfc
from covenants.models import Target
from scoring.excel import ParsedRubric, RowError, RubricRow, check_rows
from scoring.models import Criterion, CriterionKind, Rubric
from scoring.selectors.rubrics import (
    TARGET_KINDS,
    previous_year_rubric,
    rubric_problems,
    year_targets,
)
from scoring.services.criteria import (
    clean_text,
    copy_criteria,
    lock_rubric,
    parse_points,
    require_editable,
    scope_of,
)
from scoring.services.messages import (
    ALREADY_FROZEN,
    CAP_NEGATIVE,
    FREEZE_HAS_PROBLEMS,
    IMPORT_HAS_ERRORS,
    IMPORT_TARGET_NOT_FOR_KIND,
    IMPORT_TARGET_ON_TEMPLATE,
    IMPORT_TARGET_UNKNOWN,
    NO_PREVIOUS_RUBRIC,
    NOT_A_TEMPLATE,
    RUBRIC_EXISTS_FOR_YEAR,
    RUBRIC_NAME_REQUIRED,
    RUBRIC_NAME_TOO_LONG,
    SCALE_NOT_POSITIVE,
    SOURCE_OTHER_ORGANIZER,
    START_FROM_ONE_SOURCE,
    TEMPLATE_NOT_FROZEN,
    TEMPLATE_OTHER_ORGANIZER,
)

NAME_LIMIT = 300
SETTINGS_FIELDS = ("name", "description", "scale_total", "bonus_cap", "deduction_cap")
DEFAULT_SCALE = Decimal(100)


# Settings --------------------------------------------------------------------------------


def _settings_values(
    *,
    name: Any,
    description: Any,
    scale_total: Any,
    bonus_cap: Any,
    deduction_cap: Any,
) -> dict[str, Any]:
    """Cleaned settings; raises ``ValidationError`` by field with every problem."""
    errors: dict[str, list[ValidationError]] = {}
    name = nfc(str(name or ""))
    if not name:
        errors.setdefault("name", []).append(ValidationError(RUBRIC_NAME_REQUIRED))
    elif len(name) > NAME_LIMIT:
        errors.setdefault("name", []).append(
            ValidationError(RUBRIC_NAME_TOO_LONG, params={"limit": NAME_LIMIT})
        )
    values: dict[str, Any] = {"name": name, "description": clean_text(description)}
    for key, value in (
        ("scale_total", scale_total),
        ("bonus_cap", bonus_cap),
        ("deduction_cap", deduction_cap),
    ):
        try:
            number = parse_points(value)
        except ValidationError as exc:
            errors.setdefault(key, []).append(exc)
            continue
        if key == "scale_total" and number <= 0:
            errors.setdefault(key, []).append(ValidationError(SCALE_NOT_POSITIVE))
        elif number < 0:
            errors.setdefault(key, []).append(ValidationError(CAP_NEGATIVE))
        values[key] = number
    if errors:
        raise ValidationError(errors)
    return values


def _settings_state(rubric: Rubric) -> dict[str, Any]:
    return snapshot(rubric, ["name", "description", "scale_total", "bonus_cap", "deduction_cap"])


def _pick(value: Any, source: Any, name: str, default: Any) -> Any:
    """A setting given by the caller, else the source's, else the default."""
    if value is not None:
        return value
    if source is not None:
        return getattr(source, name)
    return default


def _actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# Targets ---------------------------------------------------------------------------------


def _targets_by_indicator(cluster_year_id: int) -> dict[str, Target]:
    """The year's covenant targets (newest covenant version) by accent-free indicator."""
    found: dict[str, Target] = {}
    for target in year_targets(cluster_year=cluster_year_id):
        found.setdefault(fold(target.indicator), target)
    return found


# Creating ----------------------------------------------------------------------------------


def rubric_create(
    *,
    actor: Any,
    cluster_year: ClusterYear,
    name: str,
    scale_total: Any = None,
    bonus_cap: Any = None,
    deduction_cap: Any = None,
    template: Rubric | None = None,
    copy_previous: bool = False,
    parsed: ParsedRubric | None = None,
    description: str = "",
) -> Rubric:
    """The year's rubric (version 1): empty, or with the criteria of a library
    ``template`` (targets dropped), of last year's newest rubric of the same cluster
    (``copy_previous``: targets re-linked to this year's covenant targets with the same
    indicator, dropped when there is none) or of an Excel file (``parsed``).

    Settings left as None come from the source (the file's settings sheet), else
    100 points and no caps.
    """
    if sum((template is not None, bool(copy_previous), parsed is not None)) > 1:
        raise ValidationError(START_FROM_ONE_SOURCE, code="sources")
    with transaction.atomic():
        cluster_year = (
            ClusterYear.objects.select_for_update(of=("self",))
            .select_related("cluster")
            .get(pk=cluster_year.pk)
        )
        organizer_id = cluster_year.cluster.organizer_id
        if Rubric.objects.filter(cluster_year=cluster_year).exists():
            raise ValidationError(
                RUBRIC_EXISTS_FOR_YEAR, code="exists", params={"year": cluster_year.year}
            )
        source: Rubric | None = None
        if template is not None:
            if not template.is_template:
                raise ValidationError({"template": ValidationError(NOT_A_TEMPLATE)})
            if template.organizer_id != organizer_id:
                raise ValidationError({"template": ValidationError(TEMPLATE_OTHER_ORGANIZER)})
            source = template
        elif copy_previous:
            source = previous_year_rubric(cluster_year=cluster_year)
            if source is None:
                raise ValidationError(
                    NO_PREVIOUS_RUBRIC, code="no_previous", params={"year": cluster_year.year - 1}
                )
        settings_source: Any = source or (parsed.settings if parsed is not None else None)
        values = _settings_values(
            name=name,
            description=description,
            scale_total=_pick(scale_total, settings_source, "scale_total", DEFAULT_SCALE),
            bonus_cap=_pick(bonus_cap, settings_source, "bonus_cap", Decimal(0)),
            deduction_cap=_pick(deduction_cap, settings_source, "deduction_cap", Decimal(0)),
        )
        rubric = Rubric.objects.create(
            organizer_id=organizer_id,
            cluster_year=cluster_year,
            version=1,
            created_by=_actor_or_none(actor),
            **values,
        )
        copied: dict[str, Any] = {}
        if source is not None and source.is_template:
            copied = copy_criteria(source=source, into=rubric, target_for=lambda item: None)
        elif source is not None:
            targets = _targets_by_indicator(cluster_year.pk)
            copied = copy_criteria(
                source=source,
                into=rubric,
                target_for=lambda item: targets.get(fold(item.target.indicator)),
            )
        elif parsed is not None:
            copied = _write_parsed(rubric, parsed)
        log_action(
            actor=actor,
            action="scoring.rubric.created",
            obj=rubric,
            scope_id=organizer_id,
            data={
                "new": _settings_state(rubric),
                "source": _source_record(source, parsed),
                "copied": copied,
            },
        )
    return rubric


def _source_record(source: Rubric | None, parsed: ParsedRubric | None) -> dict | None:
    if source is not None:
        return {
            "kind": "template" if source.is_template else "previous_year",
            "id": source.pk,
            "name": source.name,
            "version": source.version,
        }
    if parsed is not None:
        return {"kind": "excel"}
    return None


def template_create(
    *,
    actor: Any,
    organizer: Organizer,
    name: str,
    scale_total: Any = None,
    bonus_cap: Any = None,
    deduction_cap: Any = None,
    from_rubric: Rubric | None = None,
    description: str = "",
) -> Rubric:
    """A template of the organizer's library: empty, or a copy of one of its rubrics
    (a year's or another template) without the targets."""
    with transaction.atomic():
        organizer = Organizer.objects.select_for_update().get(pk=organizer.pk)
        if from_rubric is not None and from_rubric.organizer_id != organizer.pk:
            raise ValidationError({"from_rubric": ValidationError(SOURCE_OTHER_ORGANIZER)})
        values = _settings_values(
            name=name,
            description=description,
            scale_total=_pick(scale_total, from_rubric, "scale_total", DEFAULT_SCALE),
            bonus_cap=_pick(bonus_cap, from_rubric, "bonus_cap", Decimal(0)),
            deduction_cap=_pick(deduction_cap, from_rubric, "deduction_cap", Decimal(0)),
        )
        template = Rubric.objects.create(
            organizer=organizer, cluster_year=None, created_by=_actor_or_none(actor), **values
        )
        copied = (
            copy_criteria(source=from_rubric, into=template, target_for=lambda item: None)
            if from_rubric is not None
            else {}
        )
        log_action(
            actor=actor,
            action="scoring.rubric.template_created",
            obj=template,
            scope_id=organizer.pk,
            data={
                "new": _settings_state(template),
                "source": _source_record(from_rubric, None),
                "copied": copied,
            },
        )
    return template


# Settings ----------------------------------------------------------------------------------


def rubric_update_settings(*, actor: Any, rubric: Rubric, **fields: Any) -> Rubric:
    """Change the name, description, total points or caps (``SETTINGS_FIELDS``)."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"rubric_update_settings() cannot change {sorted(unknown)}")
    with transaction.atomic():
        rubric = lock_rubric(rubric)
        require_editable(rubric)
        before = _settings_state(rubric)
        values = _settings_values(
            **{name: fields.get(name, getattr(rubric, name)) for name in SETTINGS_FIELDS}
        )
        for name, value in values.items():
            setattr(rubric, name, value)
        changed = changes(before, _settings_state(rubric))
        if changed:
            rubric.save(update_fields=list(values))
            log_action(
                actor=actor,
                action="scoring.rubric.updated",
                obj=rubric,
                scope_id=scope_of(rubric),
                data={"changes": changed},
            )
    return rubric


# Excel import ------------------------------------------------------------------------------


def _link_targets(rubric: Rubric, nodes: list[RubricRow]) -> tuple[dict[str, Target], list]:
    """Each row's target by indicator; the rows that cannot be linked as RowErrors."""
    linked: dict[str, Target] = {}
    errors: list[RowError] = []
    wanted = [node for node in nodes if node.target_indicator]
    if not wanted:
        return linked, errors
    targets = {} if rubric.is_template else _targets_by_indicator(rubric.cluster_year_id)
    for node in wanted:
        if rubric.is_template:
            errors.append(RowError(node.row, str(IMPORT_TARGET_ON_TEMPLATE)))
        elif node.kind not in TARGET_KINDS:
            errors.append(RowError(node.row, str(IMPORT_TARGET_NOT_FOR_KIND)))
        elif fold(node.target_indicator) not in targets:
            errors.append(
                RowError(node.row, str(IMPORT_TARGET_UNKNOWN % {"target": node.target_indicator}))
            )
        else:
            linked[node.code] = targets[fold(node.target_indicator)]
    return linked, errors


def _import_errors(errors: list[RowError]) -> ValidationError:
    return ValidationError(
        [ValidationError(IMPORT_HAS_ERRORS, code="rows")]
        + [ValidationError(str(error), code="row") for error in errors]
    )


def _write_parsed(rubric: Rubric, parsed: ParsedRubric) -> dict[str, Any]:
    """Replace the rubric's criteria with the parsed rows (raises before writing
    anything when a row is wrong); returns counts for the audit entry."""
    nodes, _settings, row_errors = parsed
    errors = list(row_errors) or check_rows(nodes)
    if not errors:
        kinds = {choice.value for choice in CriterionKind}
        if any(node.kind not in kinds for node in nodes):
            raise ValueError("a parsed row has no valid kind but no row error")
        linked, errors = _link_targets(rubric, nodes)
    if errors:
        raise _import_errors(errors)
    removed = rubric.criteria.count()
    rubric.criteria.all().delete()
    children: dict[str | None, list[RubricRow]] = {}
    for node in nodes:
        children.setdefault(node.parent_code or None, []).append(node)
    created = 0

    def create(parent: Criterion | None, parent_code: str | None) -> None:
        nonlocal created
        for order, node in enumerate(children.get(parent_code, []), start=1):
            criterion = Criterion.objects.create(
                rubric=rubric,
                parent=parent,
                order=order,
                code=node.code,
                title=node.title,
                guidance=node.guidance,
                kind=node.kind,
                max_points=node.max_points,
                params=dict(node.params or {}) if node.kind != CriterionKind.GROUP else {},
                evidence_required=node.evidence_required,
                target=linked.get(node.code),
            )
            created += 1
            create(criterion, node.code)

    create(None, None)
    return {"removed": removed, "criteria": created, "targets_linked": len(linked)}


def rubric_import(*, actor: Any, rubric: Rubric, parsed: ParsedRubric) -> Rubric:
    """Replace every criterion of the rubric with those of a parsed Excel file (and its
    settings, when the file has a settings sheet), in one transaction: any wrong row
    (``parsed.row_errors``, a target that is not in this year's covenant) refuses the
    whole file and nothing is saved."""
    with transaction.atomic():
        rubric = lock_rubric(rubric)
        require_editable(rubric)
        before = _settings_state(rubric)
        copied = _write_parsed(rubric, parsed)
        if parsed.settings is not None:
            values = _settings_values(
                name=rubric.name,
                description=rubric.description,
                scale_total=parsed.settings.scale_total,
                bonus_cap=parsed.settings.bonus_cap,
                deduction_cap=parsed.settings.deduction_cap,
            )
            for name, value in values.items():
                setattr(rubric, name, value)
            rubric.save(update_fields=list(values))
        log_action(
            actor=actor,
            action="scoring.rubric.imported",
            obj=rubric,
            scope_id=scope_of(rubric),
            data={"copied": copied, "changes": changes(before, _settings_state(rubric))},
        )
    return rubric


# Freezing ----------------------------------------------------------------------------------


def rubric_freeze(*, actor: Any, rubric: Rubric, at: dt.datetime | None = None) -> Rubric:
    """Freeze the rubric when scoring opens: refused while ``rubric_problems`` finds
    anything (each problem is listed). ``at`` is the moment (now by default). A new
    version frozen while a period scores on the previous one carries that period's
    scores over (``scoring.services.periods.period_carry_over``)."""
    with transaction.atomic():
        rubric = lock_rubric(rubric)
        if rubric.is_template:
            raise ValidationError(TEMPLATE_NOT_FROZEN, code="template")
        if rubric.is_frozen:
            raise ValidationError(ALREADY_FROZEN, code="frozen")
        problems = rubric_problems(rubric)
        if problems:
            raise ValidationError(
                [ValidationError(FREEZE_HAS_PROBLEMS, code="problems")]
                + [ValidationError(problem.message, code="problem") for problem in problems]
            )
        rubric.frozen_at = at or timezone.now()
        rubric.save(update_fields=["frozen_at"])
        log_action(
            actor=actor,
            action="scoring.rubric.frozen",
            obj=rubric,
            scope_id=scope_of(rubric),
            data={"frozen_at": rubric.frozen_at, "criteria": rubric.criteria.count()},
        )
        # A new version frozen while scoring is open: the open periods move to it (and
        # the freeze is refused, whole, when one of them has a final scorecard).
        from scoring.services.periods import carry_over_open_periods

        carry_over_open_periods(actor=actor, rubric=rubric)
    return rubric
