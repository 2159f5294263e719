"""Scoring periods: create, set deadlines and the verification chain, open.

Opening a period freezes the year's newest rubric (when it is not frozen yet) and
creates a scorecard per member unit with an entry per leaf criterion, in one
transaction; the member units are notified once it commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterYear, Membership, Profile
from core.audit import changes, log_action, snapshot
from core.notifications import notify
from scoring.models import Criterion, CriterionKind, Entry, Period, Scorecard
from scoring.selectors.rubrics import latest_rubric
from scoring.services.messages.periods import (
    BOARD_CODE_UNKNOWN,
    DEADLINES_ORDER,
    NO_MEMBERS,
    NO_RUBRIC,
    PERIOD_EXISTS,
    PERIOD_NOT_DRAFT,
    PERIOD_OPENED_BODY,
    PERIOD_OPENED_SUBJECT,
    PERIOD_YEAR_CLOSED,
)
from scoring.services.rubrics import rubric_freeze

SETTINGS_FIELDS = (
    "self_deadline",
    "verification_deadline",
    "explanation_deadline",
    "deputy_verifies",
    "cross_scoring",
    "board_criteria",
    "board_finalises",
)


def scope_of_period(period: Period) -> int:
    return period.cluster_year.cluster.organizer_id


def lock_period(period: Period | int) -> Period:
    pk = period if isinstance(period, int) else period.pk
    return (
        Period.objects.select_for_update(of=("self",))
        .select_related("cluster_year__cluster", "rubric")
        .get(pk=pk)
    )


def _check_deadlines(values: dict[str, Any]) -> None:
    order = [values["self_deadline"], values["verification_deadline"]]
    order.append(values["explanation_deadline"])
    if not (order[0] <= order[1] and order[0] <= order[2]):
        raise ValidationError({"verification_deadline": ValidationError(DEADLINES_ORDER)})


def period_create(
    *,
    actor: Any,
    cluster_year: ClusterYear,
    kind: str,
    self_deadline: dt.datetime,
    verification_deadline: dt.datetime,
    explanation_deadline: dt.datetime,
    deputy_verifies: bool = True,
    cross_scoring: bool = False,
    board_criteria: list[str] | None = None,
    board_finalises: bool = False,
) -> Period:
    values = {
        "self_deadline": self_deadline,
        "verification_deadline": verification_deadline,
        "explanation_deadline": explanation_deadline,
        "deputy_verifies": deputy_verifies,
        "cross_scoring": cross_scoring,
        "board_criteria": list(board_criteria or []),
        "board_finalises": board_finalises,
    }
    _check_deadlines(values)
    with transaction.atomic():
        year = ClusterYear.objects.select_for_update().get(pk=cluster_year.pk)
        if not year.is_open:
            raise ValidationError(PERIOD_YEAR_CLOSED, params={"year": year.year})
        if Period.objects.filter(cluster_year=year, kind=kind).exists():
            raise ValidationError(PERIOD_EXISTS, params={"kind": Period.Kind(kind).label.lower()})
        period = Period.objects.create(
            cluster_year=year,
            kind=kind,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            **values,
        )
        log_action(
            actor=actor,
            action="scoring.period.created",
            obj=period,
            scope_id=year.cluster.organizer_id,
            data=snapshot(period, ("kind", *SETTINGS_FIELDS)),
        )
    return period


def period_update(*, actor: Any, period: Period, **fields: Any) -> Period:
    """Change deadlines (any time before the period closes) and, before it opens,
    the verification chain."""
    with transaction.atomic():
        period = lock_period(period)
        if period.state == Period.State.CLOSED:
            raise ValidationError(PERIOD_NOT_DRAFT)
        chain = {"deputy_verifies", "cross_scoring", "board_criteria", "board_finalises"}
        if period.state != Period.State.DRAFT and chain & {
            name for name, value in fields.items() if getattr(period, name) != value
        }:
            raise ValidationError(PERIOD_NOT_DRAFT)
        before = snapshot(period, SETTINGS_FIELDS)
        values = {name: fields.get(name, getattr(period, name)) for name in SETTINGS_FIELDS}
        _check_deadlines(values)
        for name, value in values.items():
            setattr(period, name, value)
        period.save(update_fields=list(SETTINGS_FIELDS))
        log_action(
            actor=actor,
            action="scoring.period.updated",
            obj=period,
            scope_id=scope_of_period(period),
            data=changes(before, snapshot(period, SETTINGS_FIELDS)),
        )
    return period


def leaf_criteria(rubric_id: int) -> list[Criterion]:
    return list(
        Criterion.objects.filter(rubric_id=rubric_id)
        .exclude(kind=CriterionKind.GROUP)
        .order_by("order", "pk")
    )


def member_user_ids(cluster_year_id: int) -> list[int]:
    """Active people (officers and leaders) of the year's member units."""
    return list(
        Profile.objects.filter(
            unit__memberships__cluster_year_id=cluster_year_id, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def period_open(*, actor: Any, period: Period, at: dt.datetime | None = None) -> Period:
    """Open scoring: freeze the year's newest rubric, create every member unit's
    scorecard and entries, notify the member units."""
    now = at or timezone.now()
    with transaction.atomic():
        period = lock_period(period)
        if period.state != Period.State.DRAFT:
            raise ValidationError(PERIOD_NOT_DRAFT)
        year = period.cluster_year
        if not year.is_open:
            raise ValidationError(PERIOD_YEAR_CLOSED, params={"year": year.year})
        rubric = latest_rubric(cluster_year=year)
        if rubric is None:
            raise ValidationError(NO_RUBRIC)
        if not rubric.is_frozen:
            rubric = rubric_freeze(actor=actor, rubric=rubric, at=now)
        codes = set(Criterion.objects.filter(rubric=rubric).values_list("code", flat=True))
        unknown = [code for code in period.board_criteria if code not in codes]
        if unknown:
            raise ValidationError(
                [ValidationError(BOARD_CODE_UNKNOWN, params={"code": code}) for code in unknown]
            )
        unit_ids = list(
            Membership.objects.filter(cluster_year=year).values_list("unit_id", flat=True)
        )
        if not unit_ids:
            raise ValidationError(NO_MEMBERS)
        cards = Scorecard.objects.bulk_create(
            Scorecard(period=period, unit_id=unit_id) for unit_id in sorted(unit_ids)
        )
        leaves = leaf_criteria(rubric.pk)
        Entry.objects.bulk_create(
            Entry(scorecard=card, criterion=criterion) for card in cards for criterion in leaves
        )
        period.rubric = rubric
        period.state = Period.State.OPEN
        period.opened_at = now
        period.opened_by = actor if getattr(actor, "is_authenticated", False) else None
        period.save(update_fields=["rubric", "state", "opened_at", "opened_by"])
        log_action(
            actor=actor,
            action="scoring.period.opened",
            obj=period,
            scope_id=scope_of_period(period),
            data={"rubric": {"id": rubric.pk, "version": rubric.version}, "scorecards": len(cards)},
        )
        notify(
            user_ids=member_user_ids(year.pk),
            key="scoring.period.opened",
            subject=PERIOD_OPENED_SUBJECT,
            body=PERIOD_OPENED_BODY,
            params={
                "period": period.get_kind_display(),
                "cluster": year.cluster.name,
                "year": year.year,
                "deadline": timezone.localtime(period.self_deadline).strftime("%d/%m/%Y %H:%M"),
            },
            link=reverse("period_detail", args=[period.pk]),
            scope_id=scope_of_period(period),
        )
    return period
