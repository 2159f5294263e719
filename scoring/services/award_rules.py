"""The organizer's vote and award rules (domain.md §4): quorum, approval threshold and
rounds of the secret ballot, award quotas per cluster, the nomination deadline. One row
per organizer; without one, ``rules_for`` gives the defaults. Only the organizer's board
changes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.models import Organizer
from clusters.roles import is_board_of
from core.audit import changes, log_action, snapshot
from scoring.models import AwardRules
from scoring.services.messages.deliberations import (
    AWARD_RULES_DEADLINE,
    AWARD_RULES_DENOMINATOR,
    AWARD_RULES_DENOMINATOR_TOO_LARGE,
    AWARD_RULES_FRACTION,
    AWARD_RULES_NOT_BOARD,
    AWARD_RULES_QUOTA,
    AWARD_RULES_ROUNDS,
    AWARD_RULES_UNKNOWN_FIELD,
)

FIELDS = (
    "quorum_numerator",
    "quorum_denominator",
    "threshold_numerator",
    "threshold_denominator",
    "threshold_strict",
    "max_rounds",
    "flag_quota",
    "merit_quota",
    "nomination_deadline_day",
    "nomination_deadline_month",
)
MAX_ROUNDS_ALLOWED = 5
MAX_QUOTA = 10
MAX_DENOMINATOR = 100  # the columns are small integers; a cluster has far fewer units


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, ValidationError] = {}
    for numerator, denominator in (
        ("quorum_numerator", "quorum_denominator"),
        ("threshold_numerator", "threshold_denominator"),
    ):
        top, bottom = _as_int(values[numerator]), _as_int(values[denominator])
        if bottom is None or bottom < 1:
            errors[denominator] = ValidationError(AWARD_RULES_DENOMINATOR)
        elif bottom > MAX_DENOMINATOR:
            errors[denominator] = ValidationError(
                AWARD_RULES_DENOMINATOR_TOO_LARGE, params={"limit": MAX_DENOMINATOR}
            )
        elif top is None or not 1 <= top <= bottom:
            errors[numerator] = ValidationError(AWARD_RULES_FRACTION)
    rounds = _as_int(values["max_rounds"])
    if rounds is None or not 1 <= rounds <= MAX_ROUNDS_ALLOWED:
        errors["max_rounds"] = ValidationError(AWARD_RULES_ROUNDS)
    for name in ("flag_quota", "merit_quota"):
        quota = _as_int(values[name])
        if quota is None or not 0 <= quota <= MAX_QUOTA:
            errors[name] = ValidationError(AWARD_RULES_QUOTA)
    day = _as_int(values["nomination_deadline_day"])
    month = _as_int(values["nomination_deadline_month"])
    try:
        # A leap year, so 29 February is a valid yearly deadline.
        dt.date(2024, month or 0, day or 0)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a 20-digit day
        errors["nomination_deadline_day"] = ValidationError(AWARD_RULES_DEADLINE)
    if errors:
        raise ValidationError(errors)


def award_rules_save(*, actor: Any, organizer: Organizer, **fields: Any) -> AwardRules:
    """Create or change the organizer's rules; fields not given keep their value."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationError(AWARD_RULES_UNKNOWN_FIELD, params={"field": unknown[0]})
    if not is_board_of(actor, organizer.pk):
        raise ValidationError(AWARD_RULES_NOT_BOARD)
    with transaction.atomic():
        Organizer.objects.select_for_update().filter(pk=organizer.pk).first()
        rules = AwardRules.objects.select_for_update().filter(
            organizer_id=organizer.pk
        ).first() or AwardRules(organizer_id=organizer.pk)
        created = rules.pk is None
        before = snapshot(rules, FIELDS)
        values = {**before, **fields}
        _validate(values)
        for name in FIELDS:
            value = values[name]
            setattr(rules, name, bool(value) if name == "threshold_strict" else int(value))
        rules.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        rules.save()
        after = snapshot(rules, FIELDS)
        log_action(
            actor=actor,
            action="scoring.award_rules.saved",
            obj=rules,
            scope_id=organizer.pk,
            data={"created": created, **changes({} if created else before, after)},
        )
    return rules
