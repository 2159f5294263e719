"""Secret ballots: prepare, open, cast, close and count, and a further round.

Secrecy: ``ballot_cast`` writes who voted (``BallotVoter``) and what was voted
(``CastBallot``, no voter, no time, random UUID key) in one transaction under the
ballot's row lock; the unique (ballot, unit) constraint refuses a second ballot of a
unit even under a race. It then rewrites the ballot's cast rows in random order, so on
PostgreSQL they all carry the latest transaction's stamp and no insertion order: the
stored rows never say which ballot came from which unit. The activity log records that
a unit voted, never its choice; nothing counts the ballots before closing.

The receipt code is shown once to the voting unit; only sha256(salt + code) is kept,
so the unit can check that its ballot is among those counted without anybody being
able to read its choice from the receipt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterYear, Membership, Profile, Unit
from clusters.roles import Role, can_act_as_head, profile_of, roles_for
from core.audit import log_action
from core.notifications import notify
from core.text import vi_sort_key
from scoring.models import Ballot, BallotVoter, CastBallot, Period, rules_for
from scoring.services.messages.ballots import (
    BALLOT_ABSTAIN_WITH_CHOICES,
    BALLOT_ALREADY_VOTED,
    BALLOT_CANDIDATE_NOT_MEMBER,
    BALLOT_CHOICE_NOT_CANDIDATE,
    BALLOT_CHOOSE_RANGE,
    BALLOT_CLOSE_PASSED,
    BALLOT_CLOSE_TOO_EARLY,
    BALLOT_EMPTY,
    BALLOT_FRACTION_INVALID,
    BALLOT_HAS_WINNER,
    BALLOT_NEXT_EXISTS,
    BALLOT_NO_CANDIDATES,
    BALLOT_NO_MORE_ROUNDS,
    BALLOT_NOT_ALLOWED,
    BALLOT_NOT_CLOSED,
    BALLOT_NOT_DRAFT,
    BALLOT_NOT_LEADER,
    BALLOT_NOT_OPEN,
    BALLOT_OPENED_BODY,
    BALLOT_OPENED_SUBJECT,
    BALLOT_OUTSIDE_TIMES,
    BALLOT_PURPOSE_UNKNOWN,
    BALLOT_ROUND_RANGE,
    BALLOT_TIMES_ORDER,
    BALLOT_TOO_MANY,
    BALLOT_YEAR_CLOSED,
)
from scoring.services.messages.deliberations import (
    DECISION_ALREADY,
    DECISION_DEPUTY_REQUIRED,
    DECISION_NO_UNITS,
    DECISION_NOT_CANDIDATE,
    DECISION_NOT_DUE,
    DECISION_ONLY_HEAD,
    DECISION_REASON_REQUIRED,
    DECISION_TOO_MANY,
)

# Receipt codes: 12 characters without look-alikes, shown as XXXX-XXXX-XXXX.
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Quorum and threshold are stored in small-integer columns (as in the award rules).
MAX_DENOMINATOR = 100

_rng = random.SystemRandom()


# Arithmetic ---------------------------------------------------------------------------


def quorum_needed(members: int, fraction: Fraction) -> int:
    """Ballots needed for the quorum: at least ``fraction`` of the member units."""
    return math.ceil(members * fraction)


def threshold_needed(members: int, fraction: Fraction, *, strict: bool = True) -> int:
    """Votes a candidate needs: more than (strict) or at least ``fraction`` of members."""
    value = members * fraction
    return math.floor(value) + 1 if strict else math.ceil(value)


def percent(part: int, whole: int) -> str:
    if not whole:
        return "0.00"
    value = Decimal(part) * 100 / Decimal(whole)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _fraction(value: Any) -> Fraction:
    try:
        fraction = Fraction(*value) if isinstance(value, tuple) else Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ValidationError(BALLOT_FRACTION_INVALID) from exc
    if not 0 < fraction <= 1 or fraction.denominator > MAX_DENOMINATOR:
        raise ValidationError(BALLOT_FRACTION_INVALID)
    return fraction


def receipt_hash(ballot: Ballot, code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{ballot.salt}:{normal}".encode()).hexdigest()


def _new_receipt() -> str:
    raw = "".join(_rng.choice(RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


# Helpers ------------------------------------------------------------------------------


def _actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _scope(ballot: Ballot) -> int:
    return ballot.cluster_year.cluster.organizer_id


def _check_manager(actor: Any, cluster_year: ClusterYear) -> None:
    if not can_act_as_head(roles_for(actor, cluster_year), cluster_year):
        raise ValidationError(BALLOT_NOT_ALLOWED)


def lock_ballot(ballot: Ballot | int) -> Ballot:
    pk = ballot if isinstance(ballot, int) else ballot.pk
    return (
        Ballot.objects.select_for_update(of=("self",))
        .select_related("cluster_year__cluster")
        .get(pk=pk)
    )


def member_unit_ids(cluster_year_id: int) -> list[int]:
    return sorted(
        Membership.objects.filter(cluster_year_id=cluster_year_id).values_list("unit_id", flat=True)
    )


def leader_user_ids(cluster_year_id: int) -> list[int]:
    return list(
        Profile.objects.filter(
            unit__memberships__cluster_year_id=cluster_year_id,
            role=Profile.Role.LEADER,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


def _fraction_text(numerator: int, denominator: int) -> str:
    return f"{numerator}/{denominator}"


# Services -----------------------------------------------------------------------------


def ballot_create(
    *,
    actor: Any,
    cluster_year: ClusterYear,
    purpose: str,
    candidates: Iterable[Unit | int],
    choose_at_most: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    round: int = 1,
    quorum: Any = None,
    threshold: Any = None,
    threshold_strict: bool | None = None,
    max_rounds: int | None = None,
    period: Any = None,
    previous: Ballot | None = None,
) -> Ballot:
    """A draft ballot; candidates must be member units of the year. Quorum, threshold
    (and whether it is strict) and rounds not given come from the organizer's rules
    (``rules_for``: saved, or the defaults of domain.md §4)."""
    rules = rules_for(cluster_year.cluster.organizer_id)
    if quorum is None:
        quorum = (rules.quorum_numerator, rules.quorum_denominator)
    if threshold is None:
        threshold = (rules.threshold_numerator, rules.threshold_denominator)
    if threshold_strict is None:
        threshold_strict = rules.threshold_strict
    if max_rounds is None:
        max_rounds = rules.max_rounds
    if purpose not in Ballot.Purpose.values:
        raise ValidationError({"purpose": ValidationError(BALLOT_PURPOSE_UNKNOWN)})
    candidate_ids = sorted({getattr(c, "pk", c) for c in candidates})
    if not candidate_ids:
        raise ValidationError({"candidates": ValidationError(BALLOT_NO_CANDIDATES)})
    if not 1 <= choose_at_most <= len(candidate_ids):
        raise ValidationError(
            {
                "choose_at_most": ValidationError(
                    BALLOT_CHOOSE_RANGE, params={"count": len(candidate_ids)}
                )
            }
        )
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": ValidationError(BALLOT_TIMES_ORDER)})
    if not 1 <= round <= max_rounds:
        raise ValidationError(BALLOT_ROUND_RANGE, params={"max": max_rounds})
    quorum_f, threshold_f = _fraction(quorum), _fraction(threshold)
    with transaction.atomic():
        year = (
            ClusterYear.objects.select_for_update(of=("self",))
            .select_related("cluster")
            .get(pk=cluster_year.pk)
        )
        _check_manager(actor, year)
        if not year.is_open:
            raise ValidationError(BALLOT_YEAR_CLOSED, params={"year": year.year})
        members = set(member_unit_ids(year.pk))
        outside = [pk for pk in candidate_ids if pk not in members]
        if outside:
            unit = Unit.objects.get(pk=outside[0])
            raise ValidationError(
                {
                    "candidates": ValidationError(
                        BALLOT_CANDIDATE_NOT_MEMBER, params={"unit": unit.name}
                    )
                }
            )
        ballot = Ballot.objects.create(
            cluster_year=year,
            period=period,
            purpose=purpose,
            round=round,
            max_rounds=max_rounds,
            previous=previous,
            choose_at_most=choose_at_most,
            quorum_numerator=quorum_f.numerator,
            quorum_denominator=quorum_f.denominator,
            threshold_numerator=threshold_f.numerator,
            threshold_denominator=threshold_f.denominator,
            threshold_strict=threshold_strict,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=_actor_or_none(actor),
        )
        ballot.candidates.set(candidate_ids)
        log_action(
            actor=actor,
            action="scoring.ballot.created",
            obj=ballot,
            scope_id=year.cluster.organizer_id,
            data={
                "purpose": purpose,
                "round": round,
                "candidates": candidate_ids,
                "choose_at_most": choose_at_most,
                "quorum": _fraction_text(quorum_f.numerator, quorum_f.denominator),
                "threshold": ("> " if threshold_strict else "≥ ")
                + _fraction_text(threshold_f.numerator, threshold_f.denominator),
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat(),
            },
        )
    return ballot


def ballot_open(*, actor: Any, ballot: Ballot, at: dt.datetime | None = None) -> Ballot:
    """Draft → open; the member units' leaders are told."""
    now = at or timezone.now()
    with transaction.atomic():
        ballot = lock_ballot(ballot)
        _check_manager(actor, ballot.cluster_year)
        if ballot.state != Ballot.State.DRAFT:
            raise ValidationError(BALLOT_NOT_DRAFT)
        if ballot.closes_at <= now:
            raise ValidationError(BALLOT_CLOSE_PASSED)
        ballot.state = Ballot.State.OPEN
        ballot.opened_at = now
        ballot.opened_by = _actor_or_none(actor)
        ballot.save(update_fields=["state", "opened_at", "opened_by"])
        log_action(
            actor=actor,
            action="scoring.ballot.opened",
            obj=ballot,
            scope_id=_scope(ballot),
            data={"round": ballot.round},
        )
        year = ballot.cluster_year
        notify(
            user_ids=leader_user_ids(year.pk),
            key="scoring.ballot.opened",
            subject=BALLOT_OPENED_SUBJECT,
            body=BALLOT_OPENED_BODY,
            params={
                "purpose": Ballot.Purpose(ballot.purpose).label,
                "cluster": year.cluster.name,
                "year": year.year,
                "round": ballot.round,
                "closes": _when(ballot.closes_at),
            },
            link=reverse("ballot_vote", args=[ballot.pk]),
            scope_id=_scope(ballot),
        )
    return ballot


def voter_unit(actor: Any, ballot: Ballot) -> int:
    """The member unit the actor votes for: only a member unit's leader votes."""
    profile = profile_of(actor)
    roles = roles_for(actor, ballot.cluster_year)
    if profile is None or profile.unit_id is None or Role.MEMBER_LEADER not in roles:
        raise ValidationError(BALLOT_NOT_LEADER)
    return profile.unit_id


def _shuffle_cast_rows(ballot: Ballot) -> None:
    """Rewrite the ballot's cast rows in random order: afterwards they all carry this
    transaction's stamp and no row's physical place says when it was cast."""
    rows = list(CastBallot.objects.filter(ballot=ballot))
    _rng.shuffle(rows)
    CastBallot.objects.filter(ballot=ballot).delete()
    CastBallot.objects.bulk_create(rows)


def ballot_cast(
    *,
    actor: Any,
    ballot: Ballot,
    choices: Iterable[Unit | int],
    abstain: bool = False,
    at: dt.datetime | None = None,
) -> str:
    """Cast the actor's unit's ballot; returns the receipt code (shown once)."""
    now = at or timezone.now()
    chosen = sorted({getattr(c, "pk", c) for c in choices})
    with transaction.atomic():
        ballot = lock_ballot(ballot)
        unit_id = voter_unit(actor, ballot)
        if ballot.state != Ballot.State.OPEN:
            raise ValidationError(BALLOT_NOT_OPEN)
        if not ballot.opens_at <= now <= ballot.closes_at:
            raise ValidationError(
                BALLOT_OUTSIDE_TIMES,
                params={"opens": _when(ballot.opens_at), "closes": _when(ballot.closes_at)},
            )
        if BallotVoter.objects.filter(ballot=ballot, unit_id=unit_id).exists():
            raise ValidationError(BALLOT_ALREADY_VOTED)
        if abstain and chosen:
            raise ValidationError(BALLOT_ABSTAIN_WITH_CHOICES)
        if not abstain and not chosen:
            raise ValidationError(BALLOT_EMPTY)
        candidate_ids = set(ballot.candidates.values_list("pk", flat=True))
        if not set(chosen) <= candidate_ids:
            raise ValidationError(BALLOT_CHOICE_NOT_CANDIDATE)
        if len(chosen) > ballot.choose_at_most:
            raise ValidationError(BALLOT_TOO_MANY, params={"count": ballot.choose_at_most})
        try:
            with transaction.atomic():
                BallotVoter.objects.create(
                    ballot=ballot, unit_id=unit_id, voted_at=now, voted_by=actor
                )
        except IntegrityError as exc:
            raise ValidationError(BALLOT_ALREADY_VOTED) from exc
        code = _new_receipt()
        CastBallot.objects.create(
            ballot=ballot, choices=chosen, abstain=abstain, receipt_hash=receipt_hash(ballot, code)
        )
        _shuffle_cast_rows(ballot)
        # Who voted, never what.
        log_action(
            actor=actor,
            action="scoring.ballot.voted",
            obj=ballot,
            scope_id=_scope(ballot),
            data={"unit": unit_id},
        )
    return code


def receipt_counted(ballot: Ballot, code: str) -> bool:
    """Is a ballot with this receipt among the ballot's cast ballots?"""
    if not code.strip():
        return False
    return CastBallot.objects.filter(
        ballot=ballot, receipt_hash=receipt_hash(ballot, code)
    ).exists()


def count(ballot: Ballot) -> dict[str, Any]:
    """The count of a ballot (used once, at closing)."""
    members = member_unit_ids(ballot.cluster_year_id)
    issued = len(members)
    candidates = list(ballot.candidates.order_by("name"))
    candidate_ids = {unit.pk for unit in candidates}
    votes = dict.fromkeys(candidate_ids, 0)
    returned = valid = invalid = blank = 0
    for cast in CastBallot.objects.filter(ballot=ballot).only("choices", "abstain"):
        returned += 1
        chosen = set(cast.choices or [])
        if cast.abstain and not chosen:
            valid += 1
            blank += 1
            continue
        if cast.abstain or not chosen or not chosen <= candidate_ids:
            invalid += 1
            continue
        if len(chosen) > ballot.choose_at_most:
            invalid += 1
            continue
        valid += 1
        for pk in chosen:
            votes[pk] += 1
    quorum_f = Fraction(ballot.quorum_numerator, ballot.quorum_denominator)
    threshold_f = Fraction(ballot.threshold_numerator, ballot.threshold_denominator)
    q_needed = quorum_needed(issued, quorum_f)
    t_needed = threshold_needed(issued, threshold_f, strict=ballot.threshold_strict)
    quorum_met = issued > 0 and returned >= q_needed
    rows = [
        {
            "unit_id": unit.pk,
            "name": unit.name,
            "votes": votes[unit.pk],
            "percent": percent(votes[unit.pk], issued),
            "meets_threshold": quorum_met and votes[unit.pk] >= t_needed,
            "winner": False,
        }
        for unit in candidates
    ]
    rows.sort(key=lambda row: (-row["votes"], vi_sort_key(row["name"])))
    approved = [row for row in rows if row["meets_threshold"]]
    tie = False
    if len(approved) > ballot.choose_at_most:
        cutoff = approved[ballot.choose_at_most - 1]["votes"]
        if approved[ballot.choose_at_most]["votes"] == cutoff:
            # Tied at the last seat: only those clearly ahead are elected.
            tie = True
            approved = [row for row in approved if row["votes"] > cutoff]
        else:
            approved = approved[: ballot.choose_at_most]
    for row in approved:
        row["winner"] = True
    winners = [row["unit_id"] for row in approved]
    if winners and len(winners) == ballot.choose_at_most:
        decision = "elected"
    elif ballot.round < ballot.max_rounds:
        decision = "next_round"
    else:
        decision = "head_and_deputy"
    return {
        "issued": issued,
        "returned": returned,
        "valid": valid,
        "invalid": invalid,
        "blank": blank,
        "quorum": {
            "fraction": _fraction_text(ballot.quorum_numerator, ballot.quorum_denominator),
            "needed": q_needed,
            "met": quorum_met,
        },
        "threshold": {
            "fraction": _fraction_text(ballot.threshold_numerator, ballot.threshold_denominator),
            "strict": ballot.threshold_strict,
            "needed": t_needed,
        },
        "candidates": rows,
        "winners": winners,
        "tie": tie,
        "decision": decision,
    }


def ballot_close(*, actor: Any, ballot: Ballot, at: dt.datetime | None = None) -> Ballot:
    """Open → closed and counted. Before ``closes_at`` only once every unit voted."""
    now = at or timezone.now()
    with transaction.atomic():
        ballot = lock_ballot(ballot)
        _check_manager(actor, ballot.cluster_year)
        if ballot.state != Ballot.State.OPEN:
            raise ValidationError(BALLOT_NOT_OPEN)
        if now < ballot.closes_at:
            missing = len(member_unit_ids(ballot.cluster_year_id)) - ballot.voters.count()
            if missing > 0:
                raise ValidationError(
                    BALLOT_CLOSE_TOO_EARLY,
                    params={"closes": _when(ballot.closes_at), "missing": missing},
                )
        result = count(ballot)
        result["closed_at"] = now.isoformat()
        ballot.result = result
        ballot.state = Ballot.State.CLOSED
        ballot.closed_at = now
        ballot.closed_by = _actor_or_none(actor)
        ballot.save(update_fields=["result", "state", "closed_at", "closed_by"])
        log_action(
            actor=actor,
            action="scoring.ballot.closed",
            obj=ballot,
            scope_id=_scope(ballot),
            data={
                "issued": result["issued"],
                "returned": result["returned"],
                "winners": result["winners"],
            },
        )
    return ballot


def ballot_next_round(
    *,
    actor: Any,
    ballot: Ballot,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
) -> Ballot:
    """A draft for the next round, with the same candidates and rules, when the
    closed round elected nobody (or not enough) and rounds remain."""
    with transaction.atomic():
        ballot = lock_ballot(ballot)
        _check_manager(actor, ballot.cluster_year)
        if ballot.state != Ballot.State.CLOSED:
            raise ValidationError(BALLOT_NOT_CLOSED)
        decision = ballot.result.get("decision")
        if decision == "elected":
            raise ValidationError(BALLOT_HAS_WINNER)
        if ballot.round >= ballot.max_rounds:
            raise ValidationError(BALLOT_NO_MORE_ROUNDS, params={"max": ballot.max_rounds})
        if Ballot.objects.filter(previous=ballot).exists():
            raise ValidationError(BALLOT_NEXT_EXISTS)
        length = ballot.closes_at - ballot.opens_at
        start = opens_at or max(timezone.now(), ballot.closes_at)
        following = ballot_create(
            actor=actor,
            cluster_year=ballot.cluster_year,
            purpose=ballot.purpose,
            candidates=list(ballot.candidates.values_list("pk", flat=True)),
            choose_at_most=ballot.choose_at_most,
            opens_at=start,
            closes_at=closes_at or start + length,
            round=ballot.round + 1,
            quorum=Fraction(ballot.quorum_numerator, ballot.quorum_denominator),
            threshold=Fraction(ballot.threshold_numerator, ballot.threshold_denominator),
            threshold_strict=ballot.threshold_strict,
            max_rounds=ballot.max_rounds,
            period=ballot.period,
            previous=ballot,
        )
        log_action(
            actor=actor,
            action="scoring.ballot.next_round",
            obj=following,
            scope_id=_scope(ballot),
            data={"round": following.round},
        )
    return following


# Suggestions from the ranking ---------------------------------------------------------


def year_end_period(cluster_year: ClusterYear | int) -> Period | None:
    pk = getattr(cluster_year, "pk", cluster_year)
    return Period.objects.filter(cluster_year_id=pk, kind=Period.Kind.YEAR_END).first()


def elected_leading_units(cluster_year: ClusterYear | int) -> list[int]:
    """The leading unit(s) elected by a closed ballot of the year, or decided by the
    head and deputy head after the last round."""
    pk = getattr(cluster_year, "pk", cluster_year)
    found: list[int] = []
    closed = Ballot.objects.filter(
        cluster_year_id=pk, purpose=Ballot.Purpose.LEADING_UNIT, state=Ballot.State.CLOSED
    ).order_by("round", "pk")
    for ballot in closed:
        result = ballot.result or {}
        if result.get("decision") == "elected":
            found.extend(result.get("winners", []))
        found.extend((result.get("head_decision") or {}).get("units", []))
    return sorted(set(found))


def suggested_candidates(cluster_year: ClusterYear, purpose: str) -> list[int]:
    """Default candidates from the PUBLISHED ranking of the year-end period.

    Leading unit: the units ranked in the first three places, plus any tied with the
    third. Merit: the next ones after an elected leading unit, up to the merit quota
    plus two. Empty when the ranking is not published."""
    from scoring.selectors.ranking import period_ranking

    period = year_end_period(cluster_year)
    if period is None or period.published_at is None:
        return []
    lines = period_ranking(period=period).lines
    if not lines:
        return []
    if purpose == Ballot.Purpose.LEADING_UNIT:
        cutoff = lines[min(2, len(lines) - 1)].rank
        return [line.card.unit_id for line in lines if line.rank <= cutoff]
    rules = rules_for(cluster_year.cluster.organizer_id)
    excluded = set(elected_leading_units(cluster_year))
    rest = [line.card.unit_id for line in lines if line.card.unit_id not in excluded]
    return rest[: rules.merit_quota + 2]


# After the last round: the head and the deputy head decide ------------------------------


def ballot_record_decision(
    *,
    actor: Any,
    ballot: Ballot,
    units: Iterable[Unit | int],
    reason: str,
    deputy_agreed: bool,
    at: dt.datetime | None = None,
) -> Ballot:
    """Record what the head and the deputy head decided after the last round closed
    without a result. Only ``result["head_decision"]`` is written; the count stays."""
    now = at or timezone.now()
    chosen = sorted({getattr(unit, "pk", unit) for unit in units})
    reason = unicodedata.normalize("NFC", (reason or "").strip())
    with transaction.atomic():
        ballot = lock_ballot(ballot)
        year = ballot.cluster_year
        roles = roles_for(actor, year)
        if Role.HEAD not in roles or not can_act_as_head(roles, year):
            raise ValidationError(DECISION_ONLY_HEAD)
        result = dict(ballot.result or {})
        if ballot.state != Ballot.State.CLOSED or result.get("decision") != "head_and_deputy":
            raise ValidationError(DECISION_NOT_DUE)
        if result.get("head_decision"):
            raise ValidationError(DECISION_ALREADY)
        errors: dict[str, ValidationError] = {}
        candidates = {unit.pk: unit.name for unit in ballot.candidates.all()}
        if not chosen:
            errors["units"] = ValidationError(DECISION_NO_UNITS)
        elif not set(chosen) <= set(candidates):
            errors["units"] = ValidationError(DECISION_NOT_CANDIDATE)
        else:
            # The seats still free: the round may already have elected some units.
            elected = set(result.get("winners") or [])
            free = ballot.choose_at_most - len(elected)
            if set(chosen) & elected or len(chosen) > free:
                errors["units"] = ValidationError(DECISION_TOO_MANY, params={"count": free})
        if not reason:
            errors["reason"] = ValidationError(DECISION_REASON_REQUIRED)
        if not deputy_agreed:
            errors["deputy_agreed"] = ValidationError(DECISION_DEPUTY_REQUIRED)
        if errors:
            raise ValidationError(errors)
        result["head_decision"] = {
            "units": chosen,
            "unit_names": [candidates[pk] for pk in chosen],
            "reason": reason,
            "deputy_agreed": True,
            "by": actor.pk,
            "by_name": actor.get_full_name() or actor.get_username(),
            "at": now.isoformat(),
        }
        ballot.result = result
        ballot.save(update_fields=["result"])
        log_action(
            actor=actor,
            action="scoring.ballot.head_decision",
            obj=ballot,
            scope_id=_scope(ballot),
            data={"units": chosen, "reason": reason},
        )
    return ballot
