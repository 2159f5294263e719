"""The board's side of nominations (issue 6): accepting or returning a cluster's
nomination, and the optional public-disclosure window with its comments.

Accepting and returning belong to the emulation board of the nomination's organizer
and only for a nomination sent to it (submitted); the head unit's people are told.
A disclosure is one window per organizer and year in which every member unit sees the
proposed units (nominations submitted or accepted) and may comment; comments are kept
for good, and a window that has closed can no longer be changed.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone

from clusters.models import Organizer, Profile
from clusters.roles import is_board_of, profile_of
from core.audit import log_action, snapshot
from core.notifications import notify
from scoring.models import Disclosure, DisclosureComment, Nomination, Nominee
from scoring.services.messages import nomination_review as msg
from scoring.services.periods import unit_user_ids

COMMENT_MAX_CHARS = 4000
PROPOSED_STATES = (Nomination.State.SUBMITTED, Nomination.State.ACCEPTED)


def _link(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _when(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y")


def _lock_nomination(nomination: Nomination | int) -> Nomination:
    pk = nomination if isinstance(nomination, int) else nomination.pk
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("cluster_year__cluster", "cluster_year__head_unit")
        .get(pk=pk)
    )


def _head_user_ids(nomination: Nomination) -> list[int]:
    head_id = nomination.cluster_year.head_unit_id
    ids = set(unit_user_ids([head_id])) if head_id else set()
    if nomination.submitted_by_id:
        ids.add(nomination.submitted_by_id)
    return sorted(ids)


def _decide(
    *,
    actor: Any,
    nomination: Nomination,
    state: str,
    action: str,
    at: dt.datetime | None,
    reason: str = "",
) -> Nomination:
    now = at or timezone.now()
    with transaction.atomic():
        nomination = _lock_nomination(nomination)
        if not is_board_of(actor, nomination.organizer_id):
            raise ValidationError(msg.REVIEW_BOARD_ONLY, code="not_board")
        if nomination.state != Nomination.State.SUBMITTED:
            raise ValidationError(
                msg.REVIEW_NOT_SUBMITTED,
                params={"state": nomination.get_state_display()},
                code="not_submitted",
            )
        fields = ["state", "decided_at", "decided_by", "return_reason"]
        before = snapshot(nomination, ["state", "return_reason"])
        nomination.state = state
        nomination.decided_at = now
        nomination.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        if state == Nomination.State.RETURNED:
            nomination.return_reason = reason
        nomination.save(update_fields=fields)
        after = snapshot(nomination, ["state", "return_reason"])
        log_action(
            actor=actor,
            action=action,
            obj=nomination,
            scope_id=nomination.organizer_id,
            data={
                "state": {"old": before["state"], "new": after["state"]},
                **(
                    {"return_reason": {"old": before["return_reason"], "new": reason}}
                    if reason
                    else {}
                ),
                "decided_at": now.isoformat(),
            },
        )
        accepted = state == Nomination.State.ACCEPTED
        notify(
            user_ids=_head_user_ids(nomination),
            key=action,
            subject=msg.ACCEPTED_SUBJECT if accepted else msg.RETURNED_SUBJECT,
            body=msg.ACCEPTED_BODY if accepted else msg.RETURNED_BODY,
            params={
                "cluster": nomination.cluster_year.cluster.name,
                "year": nomination.year,
                "reason": reason,
            },
            link=_link("nomination_detail", nomination.period_id),
            scope_id=nomination.organizer_id,
        )
    return nomination


def nomination_accept(
    *, actor: Any, nomination: Nomination, at: dt.datetime | None = None
) -> Nomination:
    """The board accepts a submitted nomination; the head unit's people are told."""
    return _decide(
        actor=actor,
        nomination=nomination,
        state=Nomination.State.ACCEPTED,
        action="scoring.nomination.accepted",
        at=at,
    )


def nomination_return(
    *, actor: Any, nomination: Nomination, reason: str, at: dt.datetime | None = None
) -> Nomination:
    """The board returns a submitted nomination with a reason (required, kept)."""
    cleaned = unicodedata.normalize("NFC", (reason or "").strip())
    if not cleaned:
        raise ValidationError({"reason": msg.RETURN_REASON_REQUIRED})
    return _decide(
        actor=actor,
        nomination=nomination,
        state=Nomination.State.RETURNED,
        action="scoring.nomination.returned",
        at=at,
        reason=cleaned,
    )


# Public disclosure -----------------------------------------------------------------


def organizer_member_user_ids(organizer_id: int) -> list[int]:
    """Active people of the organizer's units (officers and leaders)."""
    return list(
        Profile.objects.filter(unit__organizer_id=organizer_id, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def disclosure_set(
    *,
    actor: Any,
    organizer: Organizer,
    year: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    note: str = "",
    at: dt.datetime | None = None,
) -> Disclosure:
    """Create or change the organizer's disclosure window of ``year`` (board only).
    A window that has closed is final. Members are told when it is first set."""
    now = at or timezone.now()
    if not is_board_of(actor, organizer.pk):
        raise ValidationError(msg.DISCLOSURE_BOARD_ONLY, code="not_board")
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": msg.DISCLOSURE_YEAR_INVALID})
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": msg.DISCLOSURE_TIMES_ORDER})
    note = unicodedata.normalize("NFC", (note or "").strip())
    fields = ["opens_at", "closes_at", "note"]
    with transaction.atomic():
        # The organizer row serialises two board members creating the same window.
        Organizer.objects.select_for_update().filter(pk=organizer.pk).first()
        disclosure = (
            Disclosure.objects.select_for_update().filter(organizer=organizer, year=year).first()
        )
        created = disclosure is None
        if created:
            disclosure = Disclosure(organizer=organizer, year=year)
            disclosure.created_by = actor if getattr(actor, "is_authenticated", False) else None
            before: dict[str, Any] = {}
        else:
            if disclosure.closes_at <= now:
                raise ValidationError(msg.DISCLOSURE_CLOSED, params={"year": year}, code="closed")
            before = snapshot(disclosure, fields)
        disclosure.opens_at = opens_at
        disclosure.closes_at = closes_at
        disclosure.note = note
        if created:
            disclosure.save()
        else:
            disclosure.save(update_fields=fields)
        after = snapshot(disclosure, fields)
        # Logged under keys of their own: "opens_at" reads "voting opens" (ballots).
        changed = {
            f"disclosure_{key}": {"old": before.get(key), "new": value}
            for key, value in after.items()
            if before.get(key) != value
        }
        if not changed:
            return disclosure
        log_action(
            actor=actor,
            action="scoring.disclosure.set",
            obj=disclosure,
            scope_id=organizer.pk,
            data={"year": year, "created": created, **changed},
        )
        if created:
            notify(
                user_ids=organizer_member_user_ids(organizer.pk),
                key="scoring.disclosure.set",
                subject=msg.DISCLOSURE_SUBJECT,
                body=msg.DISCLOSURE_BODY,
                params={"year": year, "closes": _when(closes_at)},
                link=_link("disclosure_detail", year),
                scope_id=organizer.pk,
            )
    return disclosure


def _author_unit(actor: Any, organizer_id: int) -> tuple[bool, Any]:
    """(may comment, the author's unit or None)."""
    if is_board_of(actor, organizer_id):
        profile = profile_of(actor)
        return True, profile.unit if profile and profile.unit_id else None
    profile = profile_of(actor)
    if profile and profile.unit_id and profile.unit.organizer_id == organizer_id:
        return True, profile.unit
    return False, None


def disclosure_comment(
    *,
    actor: Any,
    disclosure: Disclosure,
    nominee: Nominee,
    text: str,
    at: dt.datetime | None = None,
) -> DisclosureComment:
    """A comment on a proposed unit while the window is open, by the organizer's board
    or anyone of its units. Stored in NFC, never deleted."""
    now = at or timezone.now()
    cleaned = unicodedata.normalize("NFC", (text or "").strip())
    if not cleaned:
        raise ValidationError({"text": msg.COMMENT_EMPTY})
    if len(cleaned) > COMMENT_MAX_CHARS:
        raise ValidationError(
            {
                "text": ValidationError(
                    msg.COMMENT_TOO_LONG,
                    params={"limit": COMMENT_MAX_CHARS, "count": len(cleaned)},
                    code="too_long",
                )
            }
        )
    with transaction.atomic():
        disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
        allowed, unit = _author_unit(actor, disclosure.organizer_id)
        if not allowed:
            raise ValidationError(msg.COMMENT_NOT_MEMBER, code="not_member")
        if not disclosure.opens_at <= now < disclosure.closes_at:
            raise ValidationError(
                msg.COMMENT_NOT_OPEN,
                params={"opens": _when(disclosure.opens_at), "closes": _when(disclosure.closes_at)},
                code="not_open",
            )
        proposed = Nominee.objects.filter(
            pk=nominee.pk,
            nomination__organizer_id=disclosure.organizer_id,
            nomination__year=disclosure.year,
            nomination__state__in=PROPOSED_STATES,
        ).exists()
        if not proposed:
            raise ValidationError(msg.COMMENT_NOT_PROPOSED, code="not_proposed")
        comment = DisclosureComment.objects.create(
            disclosure=disclosure, nominee=nominee, author=actor, unit=unit, text=cleaned
        )
        if at is not None:
            DisclosureComment.objects.filter(pk=comment.pk).update(created_at=now)
            comment.created_at = now
        log_action(
            actor=actor,
            action="scoring.disclosure.commented",
            obj=comment,
            scope_id=disclosure.organizer_id,
            data={
                "nominee": nominee.pk,
                "unit": unit.pk if unit else None,
                "comment_text": cleaned,
            },
        )
    return comment
