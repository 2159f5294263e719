"""Verification of submitted scorecards: proposals, decisions, returns for an
explanation, answers, finalisation, and cross-scoring assignments.

Who verifies comes from ``scoring.permissions.verifier_roles`` (re-read here from the
database, never trusted from the caller). The *deciders* of an entry are:

- for a criterion the board appraises (its code in ``period.board_criteria``): the board
  only — the head and deputy do not score it at all;
- otherwise the finaliser roles of the scorecard (the head; the deputy for the head unit's
  own scorecard; the board always).

A decider's proposal is also the decision (``entry.final_points``); anybody else's
(peers, the deputy on other units' scorecards) is advisory and shown side by side.

Cross-scoring assignments are in ``scoring.services.assignments`` (re-exported here).

States (``SCORECARD_TRANSITIONS``): SUBMITTED → RETURNED (the unit explains, then submits
again through ``scoring.services.scorecards.scorecard_submit``) → SUBMITTED; SUBMITTED →
VERIFIED (the head, when the board finalises after it) → FINALISED; or SUBMITTED →
FINALISED. A VERIFIED scorecard is the board's alone. After the verification deadline
only the board changes points, except that a decider may still decide on the criteria a
unit has explained. Once FINALISED nothing changes (``scoring.signals`` guards it).

Every value is kept: each proposal is a ``Review`` row and every change an
``EntryHistory`` row (who, when, old → new, why).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from clusters.models import Profile
from clusters.roles import profile_of, roles_for
from core.audit import log_action
from core.notifications import notify
from core.text import vi_number
from scoring.models import (
    SCORECARD_TRANSITIONS,
    Entry,
    EntryHistory,
    Evidence,
    ExplanationRequest,
    Period,
    Review,
    Scorecard,
)
from scoring.permissions import finaliser_roles, verifier_roles
from scoring.services.assignments import (  # noqa: F401 - the cross-area signatures live here
    allocation,
    assignment_remove,
    assignment_set,
    assignments_allocate,
    is_mutual,
)
from scoring.services.computation import lock_period_for, refresh_totals
from scoring.services.criteria import parse_points
from scoring.services.messages.verification import (
    ANSWER_DEADLINE_PASSED,
    ANSWER_REQUIRED,
    ANSWERED_BODY,
    ANSWERED_SUBJECT,
    BOARD_CRITERIA_PENDING,
    BOARD_CRITERION,
    CANNOT_FINALISE,
    CANNOT_RETURN,
    CARD_FINAL,
    CARD_NOT_SUBMITTED,
    CARD_VERIFIED_BOARD_ONLY,
    DEADLINE_AFTER_PERIOD,
    DEADLINE_IN_PAST,
    ENTRY_OTHER_CARD,
    EVIDENCE_OTHER_CARD,
    EVIDENCE_WITHDRAWN,
    FINAL_CONFIRMED_REASON,
    FINALISED_BODY,
    FINALISED_SUBJECT,
    NOT_A_DECIDER,
    NOT_A_FINALISER,
    NOT_A_RETURNER,
    NOT_A_VERIFIER,
    NOT_THE_UNIT,
    PERIOD_NOT_OPEN,
    POINTS_ABOVE_MAX,
    POINTS_NEGATIVE,
    POINTS_REQUIRED,
    QUESTION_REQUIRED,
    REASON_REQUIRED,
    REASON_TOO_LONG,
    REQUEST_NOT_OPEN,
    REQUESTS_PENDING,
    RETURN_NO_ENTRIES,
    RETURNED_BODY,
    RETURNED_SUBJECT,
    VERIFICATION_DEADLINE_PASSED,
    VERIFIED_BODY,
    VERIFIED_SUBJECT,
)
from scoring.services.periods import kind_label
from scoring.signals import finalising

REASON_LIMIT = 2000
TEXT_LIMIT = 5000
ZERO = Decimal(0)
RoleName = str  # a ``Review.Role`` value
ROLE_ORDER = {"head": 0, "deputy": 1, "peer": 2, "board": 3}

S = Scorecard.State


# Helpers -------------------------------------------------------------------------------


def scope_of_card(scorecard: Scorecard) -> int:
    return scorecard.period.cluster_year.cluster.organizer_id


def lock_scorecard(scorecard: Scorecard | int) -> Scorecard:
    """The scorecard, locked, with what the rules read (its period, year and unit)."""
    pk = scorecard if isinstance(scorecard, int) else scorecard.pk
    return (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related(
            "unit",
            "period__rubric",
            "period__cluster_year__cluster",
            "period__cluster_year__head_unit",
        )
        .get(pk=pk)
    )


def role_label(role: RoleName) -> str:
    """The role in words, as a title ("Cluster head", "Trưởng cụm")."""
    try:
        return str(Review.Role(role).label)
    except ValueError:
        return str(role)


def deciders(scorecard: Scorecard, criterion: Any) -> frozenset[RoleName]:
    """Whose proposal on this criterion is the decision (module docstring)."""
    if criterion.code in (scorecard.period.board_criteria or []):
        return frozenset({Review.Role.BOARD})
    return finaliser_roles(scorecard)


def is_board_criterion(scorecard: Scorecard, criterion: Any) -> bool:
    return criterion.code in (scorecard.period.board_criteria or [])


def actor_roles(actor: Any, scorecard: Scorecard) -> frozenset[RoleName]:
    """As whom ``actor`` verifies ``scorecard``, read from the database now."""
    return verifier_roles(actor, scorecard, roles_for(actor, scorecard.period.cluster_year))


def _actor_name(actor: Any) -> str:
    if not getattr(actor, "is_authenticated", False):
        return ""
    return (actor.get_full_name() or actor.get_username())[:150]


def _text(value: Decimal | None) -> str:
    """As the history stores a number ("12.5", like the self-scoring service)."""
    return "" if value is None else format(Decimal(value).normalize(), "f")


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _unit_user_ids(unit_id: int) -> list[int]:
    return list(
        Profile.objects.filter(unit_id=unit_id, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def _board_user_ids(organizer_id: int) -> list[int]:
    return list(
        Profile.objects.filter(
            role=Profile.Role.BOARD, organizer_id=organizer_id, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _require_open(scorecard: Scorecard) -> None:
    if scorecard.period.state != Period.State.OPEN:
        raise ValidationError(PERIOD_NOT_OPEN)


def _require_role(actor: Any, scorecard: Scorecard, role: RoleName) -> None:
    if role not in actor_roles(actor, scorecard):
        raise ValidationError(NOT_A_VERIFIER, params={"role": role_label(role)})


def _require_reviewable(scorecard: Scorecard, role: RoleName) -> None:
    """SUBMITTED for every verifier; VERIFIED for the board only."""
    if scorecard.state == S.FINALISED:
        raise ValidationError(CARD_FINAL)
    if scorecard.state == S.VERIFIED:
        if role != Review.Role.BOARD:
            raise ValidationError(CARD_VERIFIED_BOARD_ONLY)
        return
    if scorecard.state != S.SUBMITTED:
        raise ValidationError(
            CARD_NOT_SUBMITTED, params={"state": scorecard.get_state_display().lower()}
        )


def _before_deadline(scorecard: Scorecard, role: RoleName, now: dt.datetime) -> bool:
    return role == Review.Role.BOARD or now <= scorecard.period.verification_deadline


def _deadline_error(scorecard: Scorecard) -> ValidationError:
    return ValidationError(
        VERIFICATION_DEADLINE_PASSED,
        params={"deadline": _when(scorecard.period.verification_deadline)},
    )


def _explained(entry: Entry) -> bool:
    """The unit has answered a request naming this entry, not yet decided."""
    return entry.explanation_requests.filter(state=ExplanationRequest.State.ANSWERED).exists()


def clean_points(entry: Entry, points: Any) -> Decimal:
    """The proposed points, within 0 and the criterion's maximum (for a bonus or a
    deduction: the amount, a deduction written as a positive number)."""
    if points is None or (isinstance(points, str) and not points.strip()):
        raise ValidationError({"points": ValidationError(POINTS_REQUIRED)})
    try:
        value = parse_points(points)
    except ValidationError as exc:
        raise ValidationError({"points": exc.error_list}) from exc
    if value < 0:
        raise ValidationError({"points": ValidationError(POINTS_NEGATIVE)})
    criterion = entry.criterion
    if value > criterion.max_points:
        raise ValidationError(
            {
                "points": ValidationError(
                    POINTS_ABOVE_MAX,
                    params={"code": criterion.code, "max": vi_number(criterion.max_points)},
                )
            }
        )
    return value


def clean_reason(entry: Entry, points: Decimal, reason: str) -> str:
    """A reason is required when the points differ from the unit's own (none: 0)."""
    reason = unicodedata.normalize("NFC", (reason or "").strip())
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            {"reason": ValidationError(REASON_TOO_LONG, params={"limit": REASON_LIMIT})}
        )
    own = entry.self_points if entry.self_points is not None else ZERO
    if points != own and not reason:
        raise ValidationError(
            {"reason": ValidationError(REASON_REQUIRED, params={"self": vi_number(own)})}
        )
    return reason


def _lock_entry(entry: Entry | int) -> tuple[Scorecard, Entry]:
    """Lock order: scorecard → entry (``scoring.services.computation``)."""
    pk = entry if isinstance(entry, int) else entry.pk
    scorecard_id = Entry.objects.values_list("scorecard_id", flat=True).get(pk=pk)
    scorecard = lock_scorecard(scorecard_id)
    locked = Entry.objects.select_for_update(of=("self",)).select_related("criterion").get(pk=pk)
    locked.scorecard = scorecard
    return scorecard, locked


# Proposals and decisions -----------------------------------------------------------------


def _reviewer_unit_id(actor: Any, role: RoleName) -> int | None:
    if role == Review.Role.BOARD:
        return None
    profile = profile_of(actor)
    return profile.unit_id if profile else None


def _record_proposal(
    *, actor: Any, scorecard: Scorecard, entry: Entry, role: RoleName, points: Decimal, reason: str
) -> Review:
    unit_id = _reviewer_unit_id(actor, role)
    previous = (
        Review.objects.filter(entry=entry, role=role, reviewer_unit_id=unit_id)
        .order_by("-created_at", "-pk")
        .values_list("points", flat=True)
        .first()
    )
    review = Review.objects.create(
        entry=entry,
        role=role,
        reviewer_unit_id=unit_id,
        reviewer=actor,
        points=points,
        reason=reason,
    )
    EntryHistory.objects.create(
        entry=entry,
        source=EntryHistory.Source.REVIEW,
        field=f"proposed_points:{role}",
        old_value=_text(previous),
        new_value=_text(points),
        reason=reason,
        actor=actor,
        actor_name=_actor_name(actor),
    )
    return review


def _record_decision(
    *,
    actor: Any,
    entry: Entry,
    points: Decimal,
    reason: str,
    now: dt.datetime,
) -> None:
    old = entry.final_points
    entry.final_points = points
    entry.final_reason = reason
    entry.final_by = actor
    entry.final_at = now
    entry.save(update_fields=["final_points", "final_reason", "final_by", "final_at"])
    EntryHistory.objects.create(
        entry=entry,
        source=EntryHistory.Source.FINAL,
        field="final_points",
        old_value=_text(old),
        new_value=_text(points),
        reason=reason,
        actor=actor,
        actor_name=_actor_name(actor),
    )
    _settle_requests(actor=actor, entry=entry, now=now)


def _settle_requests(*, actor: Any, entry: Entry, now: dt.datetime) -> None:
    """An answered request is DECIDED once every entry it names has a decision taken
    after the answer."""
    for request in entry.explanation_requests.filter(
        state=ExplanationRequest.State.ANSWERED
    ).select_for_update(of=("self",)):
        pending = request.entries.filter(
            Q(final_at__isnull=True) | Q(final_at__lt=request.answered_at)
        ).exists()
        if not pending:
            request.state = ExplanationRequest.State.DECIDED
            request.decided_by = actor
            request.decided_at = now
            request.save(update_fields=["state", "decided_by", "decided_at"])


def _propose(
    *,
    actor: Any,
    entry: Entry,
    role: RoleName,
    points: Any,
    reason: str,
    decide_only: bool,
    at: dt.datetime | None,
) -> tuple[Review, Entry]:
    with transaction.atomic():
        # A relative-to-leader criterion is recomputed across the cluster: take the
        # period's lock first, like every save of such an entry (computation's lock order).
        lock_period_for(entry.criterion, entry.scorecard)
        scorecard, entry = _lock_entry(entry)
        now = at or timezone.now()  # read once the lock is held
        _require_open(scorecard)
        _require_role(actor, scorecard, role)
        criterion = entry.criterion
        if is_board_criterion(scorecard, criterion) and role in (
            Review.Role.HEAD,
            Review.Role.DEPUTY,
        ):
            raise ValidationError(BOARD_CRITERION, params={"code": criterion.code})
        deciding = role in deciders(scorecard, criterion)
        if decide_only and not deciding:
            raise ValidationError(
                NOT_A_DECIDER,
                params={
                    "role": role_label(role),
                    "code": criterion.code,
                    "deciders": ", ".join(
                        role_label(name)
                        for name in sorted(deciders(scorecard, criterion), key=ROLE_ORDER.get)
                    ),
                },
            )
        _require_reviewable(scorecard, role)
        if not _before_deadline(scorecard, role, now) and not (deciding and _explained(entry)):
            raise _deadline_error(scorecard)
        value = clean_points(entry, points)
        reason = clean_reason(entry, value, reason)
        review = _record_proposal(
            actor=actor, scorecard=scorecard, entry=entry, role=role, points=value, reason=reason
        )
        if deciding:
            _record_decision(actor=actor, entry=entry, points=value, reason=reason, now=now)
            refresh_totals([scorecard.pk])
        log_action(
            actor=actor,
            action="scoring.verification.decided" if deciding else "scoring.verification.proposed",
            obj=scorecard,
            scope_id=scope_of_card(scorecard),
            data={
                "criterion": criterion.code,
                "role": role,
                "proposed": value,
                "reason": reason,
                "self_points": entry.self_points,
            },
        )
    return review, entry


def review_propose(
    *,
    actor: Any,
    entry: Entry,
    role: RoleName,
    points: Any,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Review:
    """A verifier proposes points on one entry; a decider's proposal is the decision."""
    review, _entry = _propose(
        actor=actor, entry=entry, role=role, points=points, reason=reason, decide_only=False, at=at
    )
    return review


def entry_decide(
    *,
    actor: Any,
    entry: Entry,
    role: RoleName,
    points: Any,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Entry:
    """A decider sets the final points of one entry (e.g. after the unit explained);
    recorded as the decider's proposal too, so the comparison shows it."""
    _review, decided = _propose(
        actor=actor, entry=entry, role=role, points=points, reason=reason, decide_only=True, at=at
    )
    return decided


# Returning for an explanation -----------------------------------------------------------


def _require_decider_role(actor: Any, scorecard: Scorecard, role: RoleName, message: Any) -> None:
    _require_role(actor, scorecard, role)
    if role not in finaliser_roles(scorecard):
        raise ValidationError(message, params={"role": role_label(role)})


def scorecard_return(
    *,
    actor: Any,
    scorecard: Scorecard,
    role: RoleName,
    entries: Iterable[Entry],
    question: str,
    deadline: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> ExplanationRequest:
    """Return a submitted scorecard asking the unit to explain the named criteria by
    ``deadline`` (default and latest: the period's explanations deadline)."""
    with transaction.atomic():
        scorecard = lock_scorecard(scorecard)
        now = at or timezone.now()  # read once the lock is held
        _require_open(scorecard)
        _require_decider_role(actor, scorecard, role, NOT_A_RETURNER)
        if scorecard.state == S.FINALISED:
            raise ValidationError(CARD_FINAL)
        if scorecard.state == S.VERIFIED and role != Review.Role.BOARD:
            raise ValidationError(CARD_VERIFIED_BOARD_ONLY)
        if S.RETURNED not in SCORECARD_TRANSITIONS[scorecard.state]:
            raise ValidationError(
                CANNOT_RETURN, params={"state": scorecard.get_state_display().lower()}
            )
        if not _before_deadline(scorecard, role, now):
            raise _deadline_error(scorecard)
        errors: dict[str, list[ValidationError]] = {}
        chosen = list(entries)
        if not chosen:
            errors.setdefault("entries", []).append(ValidationError(RETURN_NO_ENTRIES))
        ids = {entry.pk for entry in chosen}
        named = list(
            Entry.objects.filter(
                pk__in=ids, scorecard=scorecard, criterion__rubric_id=scorecard.period.rubric_id
            )
            .select_related("criterion")
            .order_by("criterion__order", "criterion__pk")
        )
        if len(named) != len(ids):
            stranger = next(entry for entry in chosen if entry.pk not in {e.pk for e in named})
            errors.setdefault("entries", []).append(
                ValidationError(
                    ENTRY_OTHER_CARD, params={"code": getattr(stranger.criterion, "code", "?")}
                )
            )
        question = unicodedata.normalize("NFC", (question or "").strip())
        if not question:
            errors.setdefault("question", []).append(ValidationError(QUESTION_REQUIRED))
        latest = scorecard.period.explanation_deadline
        deadline = deadline or latest
        if deadline <= now:
            errors.setdefault("deadline", []).append(ValidationError(DEADLINE_IN_PAST))
        elif deadline > latest:
            errors.setdefault("deadline", []).append(
                ValidationError(DEADLINE_AFTER_PERIOD, params={"deadline": _when(latest)})
            )
        if errors:
            raise ValidationError(errors)
        request = ExplanationRequest.objects.create(
            scorecard=scorecard,
            question=question[:TEXT_LIMIT],
            deadline=deadline,
            requested_by=actor,
            requested_role=role,
        )
        request.entries.set(named)
        old_state = scorecard.state
        scorecard.state = S.RETURNED
        scorecard.save(update_fields=["state"])
        codes = ", ".join(entry.criterion.code for entry in named)
        log_action(
            actor=actor,
            action="scoring.verification.returned",
            obj=scorecard,
            scope_id=scope_of_card(scorecard),
            data={
                "state": {"old": old_state, "new": S.RETURNED},
                "role": role,
                "criteria": codes,
                "question": question,
                "deadline": deadline,
            },
        )
        year = scorecard.period.cluster_year
        notify(
            user_ids=_unit_user_ids(scorecard.unit_id),
            key="scoring.verification.returned",
            subject=RETURNED_SUBJECT,
            body=RETURNED_BODY,
            params={
                "cluster": year.cluster.name,
                "year": year.year,
                "verifier": _role_in_words(role),
                "unit": scorecard.unit.name,
                "codes": codes,
                "period": kind_label(scorecard.period),
                "question": question,
                "deadline": _when(deadline),
            },
            link=reverse("explanation_answer", args=[scorecard.pk, request.pk]),
            scope_id=scope_of_card(scorecard),
        )
    return request


def _role_in_words(role: RoleName) -> str:
    # Rendered in the site's language like the rest of the notification.
    with translation.override(settings.LANGUAGE_CODE):
        return str(Review.Role(role).label)


def explanation_answer(
    *,
    actor: Any,
    request: ExplanationRequest,
    answer: str,
    evidence: Iterable[Evidence] = (),
    at: dt.datetime | None = None,
) -> ExplanationRequest:
    """The unit answers a request (text and evidence from its own scorecard). It then
    submits the scorecard again (``scorecard_submit``)."""
    with transaction.atomic():
        scorecard = lock_scorecard(request.scorecard_id)
        request = ExplanationRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
        now = at or timezone.now()  # read once the locks are held
        _require_open(scorecard)
        profile = profile_of(actor)
        if profile is None or profile.unit_id != scorecard.unit_id:
            raise ValidationError(NOT_THE_UNIT, params={"unit": scorecard.unit.name})
        if scorecard.state == S.FINALISED:
            raise ValidationError(CARD_FINAL)
        if request.state != ExplanationRequest.State.OPEN:
            raise ValidationError(REQUEST_NOT_OPEN)
        reopened = scorecard.reopened_until is not None and now <= scorecard.reopened_until
        if now > request.deadline and not reopened:
            raise ValidationError(
                ANSWER_DEADLINE_PASSED, params={"deadline": _when(request.deadline)}
            )
        answer = unicodedata.normalize("NFC", (answer or "").strip())
        if not answer:
            raise ValidationError({"answer": ValidationError(ANSWER_REQUIRED)})
        items = list(evidence)
        fresh = {
            item.pk: item for item in Evidence.objects.filter(pk__in=[item.pk for item in items])
        }
        for item in items:
            current = fresh.get(item.pk)
            if current is None or current.scorecard_id != scorecard.pk:
                raise ValidationError({"evidence": ValidationError(EVIDENCE_OTHER_CARD)})
            if current.withdrawn_at is not None:
                withdrawn = ValidationError(EVIDENCE_WITHDRAWN, params={"evidence": str(current)})
                raise ValidationError({"evidence": withdrawn})
        request.answer = answer[:TEXT_LIMIT]
        request.answered_by = actor
        request.answered_at = now
        request.state = ExplanationRequest.State.ANSWERED
        request.save(update_fields=["answer", "answered_by", "answered_at", "state"])
        request.answer_evidence.set(list(fresh.values()))
        named = list(request.entries.select_related("criterion").order_by("criterion__order"))
        evidence_text = "; ".join(str(item) for item in fresh.values())
        EntryHistory.objects.bulk_create(
            EntryHistory(
                entry=entry,
                source=EntryHistory.Source.EXPLANATION,
                field="explanation",
                old_value="",
                new_value=answer + (f"\n[{evidence_text}]" if evidence_text else ""),
                reason=request.question,
                actor=actor,
                actor_name=_actor_name(actor),
            )
            for entry in named
        )
        codes = ", ".join(entry.criterion.code for entry in named)
        log_action(
            actor=actor,
            action="scoring.verification.answered",
            obj=scorecard,
            scope_id=scope_of_card(scorecard),
            data={"criteria": codes, "answer": answer, "evidence": evidence_text},
        )
        year = scorecard.period.cluster_year
        recipients = [request.requested_by_id]
        if year.head_unit_id:
            recipients += _unit_user_ids(year.head_unit_id)
        notify(
            user_ids=recipients,
            key="scoring.verification.answered",
            subject=ANSWERED_SUBJECT,
            body=ANSWERED_BODY,
            params={
                "unit": scorecard.unit.name,
                "codes": codes,
                "period": kind_label(scorecard.period),
                "cluster": year.cluster.name,
                "year": year.year,
                "answer": answer,
            },
            link=reverse("verify_scorecard", args=[scorecard.pk]),
            scope_id=scope_of_card(scorecard),
        )
    return request


# Finalising ----------------------------------------------------------------------------


def finalise_target(scorecard: Scorecard, role: RoleName) -> str:
    """Where finalising by ``role`` takes the scorecard: VERIFIED when the board
    finalises after the head, else FINALISED."""
    if scorecard.period.board_finalises and role != Review.Role.BOARD:
        return S.VERIFIED
    return S.FINALISED


def finalise_blockers(scorecard: Scorecard, role: RoleName) -> list[ValidationError]:
    """What keeps ``role`` from finalising now (besides its state)."""
    problems: list[ValidationError] = []
    pending = scorecard.explanation_requests.filter(
        state__in=[ExplanationRequest.State.OPEN, ExplanationRequest.State.ANSWERED]
    ).count()
    if pending:
        problems.append(ValidationError(REQUESTS_PENDING, params={"count": pending}))
    if finalise_target(scorecard, role) == S.FINALISED and role != Review.Role.BOARD:
        codes = list(
            Entry.objects.filter(
                scorecard=scorecard,
                criterion__rubric_id=scorecard.period.rubric_id,
                criterion__code__in=scorecard.period.board_criteria or [],
                final_points__isnull=True,
            )
            .order_by("criterion__order")
            .values_list("criterion__code", flat=True)
        )
        if codes:
            problems.append(
                ValidationError(BOARD_CRITERIA_PENDING, params={"codes": ", ".join(codes)})
            )
    return problems


def scorecard_finalise(
    *, actor: Any, scorecard: Scorecard, role: RoleName, at: dt.datetime | None = None
) -> Scorecard:
    """Finalise (or, when the board finalises after the head, verify) a scorecard.

    On FINALISED every entry without a decision gets the points that counted (the
    unit's own, 0 when nothing was entered) as its final points, and from then on
    nothing on the scorecard changes."""
    with transaction.atomic():
        # Finalising writes every entry of the card, relative-to-leader ones included:
        # the period's lock comes first (computation's lock order).
        Period.objects.select_for_update().filter(pk=scorecard.period_id).first()
        scorecard = lock_scorecard(scorecard)
        now = at or timezone.now()  # read once the lock is held
        _require_open(scorecard)
        _require_decider_role(actor, scorecard, role, NOT_A_FINALISER)
        if scorecard.state == S.FINALISED:
            raise ValidationError(CARD_FINAL)
        if scorecard.state == S.VERIFIED and role != Review.Role.BOARD:
            raise ValidationError(CARD_VERIFIED_BOARD_ONLY)
        target = finalise_target(scorecard, role)
        if (
            scorecard.state not in (S.SUBMITTED, S.VERIFIED)
            or target not in (SCORECARD_TRANSITIONS[scorecard.state])
        ):
            raise ValidationError(
                CANNOT_FINALISE, params={"state": scorecard.get_state_display().lower()}
            )
        problems = finalise_blockers(scorecard, role)
        if problems:
            raise ValidationError(problems)
        old_state = scorecard.state
        year = scorecard.period.cluster_year
        params = {
            "unit": scorecard.unit.name,
            "period": kind_label(scorecard.period),
            "cluster": year.cluster.name,
            "year": year.year,
        }
        if target == S.VERIFIED:
            scorecard.state = S.VERIFIED
            scorecard.head_finalised_at = now
            scorecard.head_finalised_by = actor
            scorecard.save(update_fields=["state", "head_finalised_at", "head_finalised_by"])
            notify(
                user_ids=_board_user_ids(year.cluster.organizer_id),
                key="scoring.verification.verified",
                subject=VERIFIED_SUBJECT,
                body=VERIFIED_BODY,
                params={**params, "total": vi_number(scorecard.final_total)},
                link=reverse("verify_scorecard", args=[scorecard.pk]),
                scope_id=scope_of_card(scorecard),
            )
        else:
            confirmed = _confirm_entries(actor=actor, scorecard=scorecard, now=now)
            refresh_totals([scorecard.pk])
            scorecard.refresh_from_db(fields=["self_total", "final_total"])
            scorecard.state = S.FINALISED
            scorecard.finalised_at = now
            scorecard.finalised_by = actor
            scorecard.save(update_fields=["state", "finalised_at", "finalised_by"])
            notify(
                user_ids=_unit_user_ids(scorecard.unit_id),
                key="scoring.verification.finalised",
                subject=FINALISED_SUBJECT,
                body=FINALISED_BODY,
                params={
                    **params,
                    "total": vi_number(scorecard.final_total),
                    "self": vi_number(scorecard.self_total),
                },
                link=reverse("verify_comparison", args=[scorecard.pk]),
                scope_id=scope_of_card(scorecard),
            )
        log_action(
            actor=actor,
            action=(
                "scoring.verification.verified"
                if target == S.VERIFIED
                else "scoring.verification.finalised"
            ),
            obj=scorecard,
            scope_id=scope_of_card(scorecard),
            data={
                "state": {"old": old_state, "new": target},
                "role": role,
                "self_total": scorecard.self_total,
                "final_total": scorecard.final_total,
                **({"confirmed": confirmed} if target == S.FINALISED else {}),
            },
        )
    return scorecard


def _confirm_entries(*, actor: Any, scorecard: Scorecard, now: dt.datetime) -> int:
    """Final points for every entry still without a decision; returns how many."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(FINAL_CONFIRMED_REASON)
    entries = list(
        Entry.objects.select_for_update(of=("self",)).filter(
            scorecard=scorecard,
            criterion__rubric_id=scorecard.period.rubric_id,  # not a replaced version's
            final_points__isnull=True,
        )
    )
    with finalising(scorecard.pk):
        for entry in entries:
            entry.final_points = entry.self_points if entry.self_points is not None else ZERO
            entry.final_reason = reason
            entry.final_by = actor
            entry.final_at = now
            entry.save(update_fields=["final_points", "final_reason", "final_by", "final_at"])
    EntryHistory.objects.bulk_create(
        EntryHistory(
            entry=entry,
            source=EntryHistory.Source.FINAL,
            field="final_points",
            old_value="",
            new_value=_text(entry.final_points),
            reason=reason,
            actor=actor,
            actor_name=_actor_name(actor),
        )
        for entry in entries
    )
    return len(entries)
