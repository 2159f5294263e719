"""The year-end deliberation meeting (họp bình xét) of a period: when and where, who
chaired, who took the minutes, which member units were present, guests, what was said
and concluded. Its minutes are a PDF of the document engine
(``scoring.documents_deliberations``). The head of an open year or the board records it;
once the year is closed it is read-only."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.models import Unit
from clusters.roles import can_act_as_head, roles_for
from core.audit import changes, log_action, snapshot
from scoring.models import Deliberation, Nomination, Period
from scoring.services.ballots import member_unit_ids
from scoring.services.messages.deliberations import (
    DELIBERATION_ATTENDEE_NOT_MEMBER,
    DELIBERATION_ENDS_BEFORE,
    DELIBERATION_NOMINATION_SENT,
    DELIBERATION_NOT_ALLOWED,
    DELIBERATION_NOT_YEAR_END,
    DELIBERATION_REQUIRED,
    DELIBERATION_YEAR_CLOSED,
)

TEXT_FIELDS = ("place", "chaired_by", "secretary", "guests", "proceedings", "conclusions")
LOGGED = ("held_at", "ended_at", *TEXT_FIELDS)


def deliberation_save(
    *,
    actor: Any,
    period: Period,
    held_at: dt.datetime | None,
    ended_at: dt.datetime | None,
    place: str,
    chaired_by: str,
    secretary: str,
    attendee_ids: Iterable[int | Unit],
    guests: str = "",
    proceedings: str = "",
    conclusions: str = "",
) -> Deliberation:
    """Create or change the deliberation meeting of a year-end period."""
    attendees = sorted({getattr(unit, "pk", unit) for unit in attendee_ids})
    texts = {
        "place": unicodedata.normalize("NFC", (place or "").strip()),
        "chaired_by": unicodedata.normalize("NFC", (chaired_by or "").strip()),
        "secretary": unicodedata.normalize("NFC", (secretary or "").strip()),
        "guests": unicodedata.normalize("NFC", (guests or "").strip()),
        "proceedings": unicodedata.normalize("NFC", (proceedings or "").strip()),
        "conclusions": unicodedata.normalize("NFC", (conclusions or "").strip()),
    }
    with transaction.atomic():
        period = (
            Period.objects.select_for_update(of=("self",))
            .select_related("cluster_year__cluster")
            .get(pk=period.pk)
        )
        year = period.cluster_year
        if not can_act_as_head(roles_for(actor, year), year):
            raise ValidationError(DELIBERATION_NOT_ALLOWED)
        if period.kind != Period.Kind.YEAR_END:
            raise ValidationError(DELIBERATION_NOT_YEAR_END)
        if not year.is_open:
            raise ValidationError(DELIBERATION_YEAR_CLOSED, params={"year": year.year})
        if Nomination.objects.filter(
            period=period, state__in=(Nomination.State.SUBMITTED, Nomination.State.ACCEPTED)
        ).exists():
            raise ValidationError(DELIBERATION_NOMINATION_SENT)
        errors: dict[str, ValidationError] = {}
        if held_at is None:
            errors["held_at"] = ValidationError(DELIBERATION_REQUIRED)
        elif ended_at is not None and ended_at <= held_at:
            errors["ended_at"] = ValidationError(DELIBERATION_ENDS_BEFORE)
        for name in ("place", "chaired_by", "secretary"):
            if not texts[name]:
                errors[name] = ValidationError(DELIBERATION_REQUIRED)
        members = set(member_unit_ids(year.pk))
        outside = [pk for pk in attendees if pk not in members]
        if outside:
            unit = Unit.objects.filter(pk=outside[0]).first()
            errors["attendees"] = ValidationError(
                DELIBERATION_ATTENDEE_NOT_MEMBER, params={"unit": unit.name if unit else "?"}
            )
        if errors:
            raise ValidationError(errors)
        meeting = Deliberation.objects.select_for_update().filter(period=period).first()
        created = meeting is None
        if meeting is None:
            meeting = Deliberation(period=period, created_by=actor)
            before: dict[str, Any] = {}
            before_attendees: list[int] = []
        else:
            before = snapshot(meeting, LOGGED)
            before_attendees = sorted(meeting.attendees.values_list("pk", flat=True))
        meeting.held_at = held_at
        meeting.ended_at = ended_at
        for name, value in texts.items():
            setattr(meeting, name, value)
        meeting.save()
        meeting.attendees.set(attendees)
        data = changes(before, snapshot(meeting, LOGGED))
        if before_attendees != attendees:
            data["attendees"] = {"old": before_attendees, "new": attendees}
        log_action(
            actor=actor,
            action="scoring.deliberation.created" if created else "scoring.deliberation.updated",
            obj=meeting,
            scope_id=year.cluster.organizer_id,
            data=data,
        )
    return meeting
