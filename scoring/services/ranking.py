"""Ranking services (issue 6): the period's tie-break order and publishing the results.

Both are the head's (or the emulation board's) and refused once the results are
published. Publishing needs every scorecard final; it lets every member unit see the
ranking and every unit's final scores (``scoring.permissions``) and tells them so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clusters.roles import can_act_as_head, roles_for
from core.audit import log_action
from core.notifications import notify
from scoring.models import Period, Scorecard
from scoring.ranking import clean_tie_breaks
from scoring.services.messages import ranking as msg
from scoring.services.periods import kind_label, lock_period, member_user_ids, scope_of_period


def _check_head(actor: Any, period: Period) -> None:
    year = period.cluster_year
    if not can_act_as_head(roles_for(actor, year), year):
        raise ValidationError(msg.RANKING_HEAD_ONLY, code="not_head")


def period_set_tie_breaks(*, actor: Any, period: Period, tie_breaks: Iterable[str]) -> Period:
    """Store the tie-break order (keys of ``scoring.ranking``; "vote" is always last
    and implicit; an empty list restores the default)."""
    keys = list(tie_breaks)
    only_vote = keys == ["vote"]
    cleaned = ["vote"] if only_vote else clean_tie_breaks(keys) if keys else []
    with transaction.atomic():
        period = lock_period(period)
        _check_head(actor, period)
        if period.published_at is not None:
            raise ValidationError(msg.RANKING_PUBLISHED, code="published")
        old = list(period.tie_breaks or [])
        if old == cleaned:
            return period
        period.tie_breaks = cleaned
        period.save(update_fields=["tie_breaks"])
        log_action(
            actor=actor,
            action="scoring.period.tie_breaks_set",
            obj=period,
            scope_id=scope_of_period(period),
            data={"tie_breaks": {"old": old, "new": cleaned}},
        )
    return period


def period_publish(*, actor: Any, period: Period, at: dt.datetime | None = None) -> Period:
    """Publish the results: every scorecard must be final. Notifies every member unit."""
    now = at or timezone.now()
    with transaction.atomic():
        period = lock_period(period)
        _check_head(actor, period)
        if period.published_at is not None:
            raise ValidationError(msg.RANKING_PUBLISHED, code="published")
        if period.state == Period.State.DRAFT:
            raise ValidationError(msg.PUBLISH_NOT_OPEN, code="not_open")
        cards = list(
            Scorecard.objects.filter(period=period)
            .select_related("unit")
            .order_by("unit__sort_key")
        )
        if not cards:
            raise ValidationError(msg.PUBLISH_NO_CARDS, code="no_cards")
        waiting = [card.unit.name for card in cards if card.state != Scorecard.State.FINALISED]
        if waiting:
            raise ValidationError(
                msg.PUBLISH_NOT_FINAL, params={"units": ", ".join(waiting)}, code="not_final"
            )
        period.published_at = now
        period.save(update_fields=["published_at"])
        year = period.cluster_year
        log_action(
            actor=actor,
            action="scoring.period.published",
            obj=period,
            scope_id=scope_of_period(period),
            data={"published_at": now.isoformat(), "scorecards": len(cards)},
        )
        notify(
            user_ids=member_user_ids(year.pk),
            key="scoring.period.published",
            subject=msg.PUBLISHED_SUBJECT,
            body=msg.PUBLISHED_BODY,
            params={"period": kind_label(period), "cluster": year.cluster.name, "year": year.year},
            link=reverse("period_ranking", args=[period.pk]),
            scope_id=scope_of_period(period),
        )
    return period
