"""Numeric targets and their value per member unit: the grid, the Excel import, and
numbers as Vietnamese officials type them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import changes, log_action
from core.text import fold, nfc, plain_number
from covenants.models import (
    Covenant,
    Target,
    TargetValue,
)
from covenants.services.common import lock_covenant, require_editable, scope_of
from covenants.services.drafting.content import check_new_warnings
from covenants.services.messages import (
    FORM_OUT_OF_DATE,
    TARGET_INDICATOR_DUPLICATE,
    TARGET_INDICATOR_REQUIRED,
    TARGET_UNIT_NOT_MEMBER,
    TARGET_VALUE_INVALID,
    TARGET_VALUE_TOO_LARGE,
    TARGET_VALUE_TOO_PRECISE,
)
from covenants.services.warnings import covenant_warnings, warning_keys

# Numbers as typed -------------------------------------------------------------------

# Decimal(16, 4) in the database: twelve digits before the comma, four after.
_MAX_INTEGER_DIGITS = 12
_MAX_DECIMALS = 4


def parse_vi_decimal(raw: Any) -> Decimal | None:
    """A number as Vietnamese write it: "9", "95,5", "1.234,5", "1.234" (= 1234).

    A lone dot that cannot be a thousands separator ("9.5") is read as a decimal
    point, as people used to spreadsheets type it. Empty → None. Raises
    ``ValidationError`` for anything else.
    """
    text = nfc(str(raw if raw is not None else "")).replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    sign = ""
    if text[0] in "+-−":
        sign, text = ("-" if text[0] != "+" else ""), text[1:]
    plain = plain_number(text)
    if plain is None:
        raise ValidationError(TARGET_VALUE_INVALID, params={"value": raw})
    try:
        value = Decimal(sign + plain)
    except InvalidOperation as exc:
        raise ValidationError(TARGET_VALUE_INVALID, params={"value": raw}) from exc
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > _MAX_DECIMALS:
        value = value.normalize()
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > _MAX_DECIMALS:
            raise ValidationError(TARGET_VALUE_TOO_PRECISE, params={"value": raw})
    if abs(value) >= Decimal(10) ** _MAX_INTEGER_DIGITS:
        raise ValidationError(TARGET_VALUE_TOO_LARGE, params={"value": raw})
    return value


# Targets -----------------------------------------------------------------------------


@dataclass
class TargetInput:
    """One row of the targets grid. ``key`` names the row in error keys
    ("indicator_<key>"); ``values`` maps every member unit's id to its value or None."""

    key: str
    indicator: str
    measure: str = ""
    carried_into_scoring: bool = False
    values: dict[int, Decimal | None] = field(default_factory=dict)
    pk: int | None = None
    delete: bool = False

    @property
    def is_blank(self) -> bool:
        return (
            self.pk is None
            and not nfc(self.indicator)
            and not nfc(self.measure)
            and all(value is None for value in self.values.values())
        )


def _target_state(target: Target, values: dict[int, Decimal | None]) -> dict[str, Any]:
    return {
        "indicator": target.indicator,
        "measure": target.measure,
        "carried_into_scoring": target.carried_into_scoring,
        "order": target.order,
        # "100.0000" from the database and "100" as typed are one value: plain form.
        "values": {str(unit): (f"{value.normalize():f}" if value is not None else None)
                   for unit, value in sorted(values.items())},
    }  # fmt: skip


def _check_targets(
    rows: Sequence[TargetInput], existing: dict[int, Target], member_ids: set[int], year: int
) -> None:
    errors: dict[str, list[ValidationError]] = {}
    seen: dict[str, str] = {}
    for row in rows:
        if row.pk is not None and row.pk not in existing:
            raise ValidationError(FORM_OUT_OF_DATE)
        for unit_id in row.values:
            if unit_id not in member_ids:
                raise ValidationError(
                    TARGET_UNIT_NOT_MEMBER, params={"unit": unit_id, "year": year}
                )
        if row.delete or row.is_blank:
            continue
        indicator = nfc(row.indicator)
        if not indicator:
            errors.setdefault(f"indicator_{row.key}", []).append(
                ValidationError(TARGET_INDICATOR_REQUIRED)
            )
            continue
        folded = fold(indicator)
        if folded in seen:
            errors.setdefault(f"indicator_{row.key}", []).append(
                ValidationError(TARGET_INDICATOR_DUPLICATE, params={"indicator": indicator})
            )
        seen[folded] = row.key
    if errors:
        raise ValidationError(errors)


def _write_targets(
    *,
    actor: Any,
    covenant: Covenant,
    rows: Sequence[TargetInput],
    member_ids: set[int],
    log_each: bool = True,
) -> list[Target]:
    existing = {target.pk: target for target in covenant.targets.prefetch_related("values")}
    _check_targets(rows, existing, member_ids, covenant.cluster_year.year)
    scope = scope_of(covenant)

    def log(action: str, data: dict[str, Any]) -> None:
        if log_each:
            log_action(actor=actor, action=action, obj=covenant, scope_id=scope, data=data)

    kept_rows = [row for row in rows if not row.delete and not row.is_blank]
    kept_pks = {row.pk for row in kept_rows if row.pk is not None}
    for pk, target in existing.items():
        if pk not in kept_pks:
            old = _target_state(target, {v.unit_id: v.value for v in target.values.all()})
            target.delete()
            log("covenants.covenant.target_deleted", {"old": old})
    saved: list[Target] = []
    for position, row in enumerate(kept_rows, start=1):
        target = existing[row.pk] if row.pk is not None else Target(covenant=covenant)
        # Values of units no longer members stay as they were (history), untouched.
        old_values = {
            v.unit_id: v.value
            for v in (target.values.all() if row.pk is not None else [])
            if v.unit_id in member_ids and v.value is not None
        }
        old_state = _target_state(target, old_values) if row.pk is not None else None
        target.order = position
        target.indicator = nfc(row.indicator)
        target.measure = nfc(row.measure)
        target.carried_into_scoring = bool(row.carried_into_scoring)
        target.save()
        new_values = {unit: value for unit, value in row.values.items() if value is not None}
        # Only real values are stored: an empty cell is no row.
        emptied = [unit for unit in old_values if unit not in new_values]
        if emptied:
            TargetValue.objects.filter(target=target, unit_id__in=emptied).delete()
        if row.pk is not None:
            # A value stored as NULL by other code counts as empty too.
            TargetValue.objects.filter(
                target=target, unit_id__in=member_ids, value__isnull=True
            ).delete()
        TargetValue.objects.bulk_create(
            TargetValue(target=target, unit_id=unit, value=value)
            for unit, value in new_values.items()
            if unit not in old_values
        )
        for unit, value in new_values.items():
            if unit in old_values and old_values[unit] != value:
                TargetValue.objects.filter(target=target, unit_id=unit).update(value=value)
        new_state = _target_state(target, new_values)
        if old_state is None:
            log("covenants.covenant.target_added", {"new": new_state})
        else:
            diff = changes(old_state, new_state)
            if diff:
                log(
                    "covenants.covenant.target_updated",
                    {"target": target.pk, "indicator": target.indicator, **diff},
                )
        saved.append(target)
    return saved


def targets_save(
    *,
    actor: Any,
    covenant: Covenant,
    rows: Sequence[TargetInput],
    confirm_warnings: bool = False,
) -> list[Target]:
    """Save the whole targets grid at once: rows in order (existing ones by pk, new
    ones, deleted ones marked), a value (or None) per member unit."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        before_warnings = warning_keys(covenant_warnings(covenant))
        member_ids = set(covenant.cluster_year.memberships.values_list("unit_id", flat=True))
        saved = _write_targets(actor=actor, covenant=covenant, rows=rows, member_ids=member_ids)
        covenant.save(update_fields=["updated_at"])
        check_new_warnings(covenant, before_warnings, confirm_warnings)
    return saved


def targets_replace(
    *,
    actor: Any,
    covenant: Covenant,
    rows: Sequence[TargetInput],
    confirm_warnings: bool = False,
) -> list[Target]:
    """Replace all targets by ``rows`` (the Excel import), in one transaction."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        before_warnings = warning_keys(covenant_warnings(covenant))
        member_ids = set(covenant.cluster_year.memberships.values_list("unit_id", flat=True))
        old = list(covenant.targets.values_list("indicator", flat=True))
        fresh = [
            TargetInput(
                key=row.key, indicator=row.indicator, measure=row.measure,
                carried_into_scoring=row.carried_into_scoring, values=row.values,
            )
            for row in rows
        ]  # fmt: skip
        _check_targets(fresh, {}, member_ids, covenant.cluster_year.year)
        covenant.targets.all().delete()
        # One audit entry for the whole import (below), not one per target.
        saved = _write_targets(
            actor=actor, covenant=covenant, rows=fresh, member_ids=member_ids, log_each=False
        )
        covenant.save(update_fields=["updated_at"])
        check_new_warnings(covenant, before_warnings, confirm_warnings)
        log_action(
            actor=actor,
            action="covenants.covenant.targets_imported",
            obj=covenant,
            scope_id=scope_of(covenant),
            data={
                "indicators": {"old": old, "new": [target.indicator for target in saved]},
                "values": sum(
                    1 for row in fresh for value in row.values.values() if value is not None
                ),
            },
        )
    return saved
