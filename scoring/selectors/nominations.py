"""Reads for a cluster's nomination: what the ballots and the ranking propose, which
pieces of the dossier are there and which are missing, and the nomination page."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from clusters.models import Membership, Unit
from core.documents.jobs import latest_job
from core.models import DocumentJob, JobState
from scoring.models import Ballot, Deliberation, Nomination, NominationDocument, Nominee, Period
from scoring.models.results import rules_for
from scoring.services.messages import nominations as msg

BALLOT_MINUTES = "ballot_minutes"
SCORE_SUMMARY = "score_summary"
DELIBERATION_MINUTES = "deliberation_minutes"
SUBMISSION = "nomination_submission"


def member_units(cluster_year_id: int) -> list[Unit]:
    return [
        membership.unit
        for membership in Membership.objects.filter(cluster_year_id=cluster_year_id)
        .select_related("unit")
        .order_by("unit__sort_key", "unit__name")
    ]


def member_units_ids(cluster_year_id: int) -> list[int]:
    return list(
        Membership.objects.filter(cluster_year_id=cluster_year_id).values_list("unit_id", flat=True)
    )


def period_ballots(period: Period) -> list[Ballot]:
    """The closed ballots of the period's cluster year (those of this period, or of no
    period), by purpose and round."""
    return list(
        Ballot.objects.filter(cluster_year_id=period.cluster_year_id, state=Ballot.State.CLOSED)
        .filter(Q(period=period) | Q(period__isnull=True))
        .order_by("purpose", "round", "pk")
    )


def elected_units(ballot: Ballot | None) -> list[int]:
    """The units a closed ballot chose: its winners, and after a last round without a
    result, the units the head and deputy head decided on (``result["head_decision"]``)."""
    if ballot is None:
        return []
    result = ballot.result or {}
    units = [int(pk) for pk in result.get("winners") or []]
    if result.get("decision") == "head_and_deputy":
        decided = (result.get("head_decision") or {}).get("units") or []
        units += [int(pk) for pk in decided if int(pk) not in units]
    return units


def is_decided(ballot: Ballot) -> bool:
    """The ballot elected its units, or the head and deputy head decided after it."""
    result = ballot.result or {}
    if result.get("decision") == "elected":
        return bool(result.get("winners"))
    return result.get("decision") == "head_and_deputy" and bool(
        (result.get("head_decision") or {}).get("units")
    )


def elected_ballot(ballots: list[Ballot], purpose: str) -> Ballot | None:
    """The last round of ``purpose`` that elected its units (or after which the head and
    deputy head decided)."""
    for ballot in sorted(
        (b for b in ballots if b.purpose == purpose), key=lambda b: (-b.round, -b.pk)
    ):
        if is_decided(ballot):
            return ballot
    return None


def ballot_votes(ballot: Ballot | None) -> dict[int, int]:
    if ballot is None:
        return {}
    return {
        int(row["unit_id"]): int(row.get("votes", 0))
        for row in (ballot.result or {}).get("candidates", [])
    }


@dataclass
class Basis:
    """What the proposals rest on: the published ranking and the elected ballots."""

    ranks: dict[int, tuple[int, Decimal | None]]  # unit id → (rank, final total)
    ranked_units: list[int]  # in rank order
    flag_ballot: Ballot | None
    merit_ballot: Ballot | None

    def snapshot(self, unit_id: int, award: str) -> dict[str, Any]:
        ballot = self.flag_ballot if award == Nominee.Award.FLAG else self.merit_ballot
        votes = ballot_votes(ballot)
        rank, total = self.ranks.get(unit_id, (None, None))
        return {
            "rank": rank,
            "total": total,
            "votes": votes.get(unit_id),
            "ballot": ballot if unit_id in votes or unit_id in elected_units(ballot) else None,
        }


def proposal_basis(period: Period) -> Basis:
    from scoring.selectors.ranking import period_ranking

    ranking = period_ranking(period=period)
    ranks = {line.card.unit_id: (line.rank, line.card.final_total) for line in ranking.lines}
    ballots = period_ballots(period)
    return Basis(
        ranks=ranks,
        ranked_units=[line.card.unit_id for line in ranking.lines],
        flag_ballot=elected_ballot(ballots, Ballot.Purpose.LEADING_UNIT),
        merit_ballot=elected_ballot(ballots, Ballot.Purpose.MERIT),
    )


def nomination_deadline(nomination: Nomination) -> dt.date:
    rules = rules_for(nomination.organizer_id)
    year, month = nomination.year, rules.nomination_deadline_month
    day = min(rules.nomination_deadline_day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def is_late(nomination: Nomination, at: dt.datetime | None = None) -> bool:
    when = at or nomination.submitted_at
    if when is None:
        return False
    day = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    return day > nomination_deadline(nomination)


def done_job(obj: Any, kind: str) -> DocumentJob | None:
    """The latest finished document of ``kind`` about ``obj`` (the latest job, or, if it
    is still running or failed, the latest one that finished)."""
    job = latest_job(obj=obj, kind=kind)
    if job is None or job.state == JobState.DONE:
        return job
    return (
        DocumentJob.objects.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            kind=kind,
            state=JobState.DONE,
        )
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass
class Requirement:
    """One piece the submission needs, and whether it is there."""

    key: str
    missing: Any  # the message when it is missing (lazy, formatted)
    ok: bool
    present: Any = ""  # what the piece is, said when it is there
    job: DocumentJob | None = None
    kind: str = ""  # NominationDocument.Kind of an attached job
    obj: Any = None

    @property
    def kind_label(self) -> Any:
        return NominationDocument.Kind(self.kind).label if self.kind else ""


@dataclass
class Dossier:
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [str(item.missing) for item in self.requirements if not item.ok]

    @property
    def jobs(self) -> list[Requirement]:
        return [item for item in self.requirements if item.job is not None and item.ok]


def active_documents(nomination: Nomination) -> list[NominationDocument]:
    return list(
        nomination.documents.filter(withdrawn_at__isnull=True)
        .select_related("unit", "job", "uploaded_by")
        .order_by("kind", "created_at", "pk")
    )


def fresh_job(obj: Any, kind: str, since: dt.datetime | None) -> tuple[DocumentJob | None, bool]:
    """The latest finished document (``done_job``) and whether it is stale: made before
    ``since`` (the deliberation meeting was recorded or last changed after it)."""
    job = done_job(obj, kind)
    if job is not None and since is not None and job.created_at < since:
        return None, True
    return job, False


def dossier(nomination: Nomination) -> Dossier:
    """Every piece the submission needs, in the order the page lists them."""
    period = nomination.period
    nominees = list(nomination.nominees.select_related("unit"))
    reports = set(
        nomination.documents.filter(
            kind=NominationDocument.Kind.ACHIEVEMENT_REPORT, withdrawn_at__isnull=True
        ).values_list("unit_id", flat=True)
    )
    meeting = Deliberation.objects.filter(period=period).first()
    since = meeting.updated_at if meeting is not None else None
    ballots = period_ballots(period)
    flag_ballot = elected_ballot(ballots, Ballot.Purpose.LEADING_UNIT)
    merit_ballots = [b for b in ballots if b.purpose == Ballot.Purpose.MERIT]
    merit_elected = elected_units(elected_ballot(ballots, Ballot.Purpose.MERIT))
    found = Dossier()
    add = found.requirements.append
    add(
        Requirement(
            "nominees", msg.NOMINATION_MISSING_NOMINEES, bool(nominees), msg.NOMINATION_HAS_NOMINEES
        )
    )
    add(
        Requirement(
            "number",
            msg.NOMINATION_MISSING_NUMBER,
            bool(nomination.number.strip()),
            msg.NOMINATION_HAS_NUMBER,
        )
    )
    add(
        Requirement(
            "date",
            msg.NOMINATION_MISSING_DATE,
            nomination.date is not None,
            msg.NOMINATION_HAS_DATE,
        )
    )
    for ballot in Ballot.objects.filter(
        cluster_year_id=nomination.cluster_year_id,
        state__in=(Ballot.State.DRAFT, Ballot.State.OPEN),
    ).order_by("purpose", "round", "pk"):
        add(
            Requirement(
                f"unclosed-{ballot.pk}",
                msg.NOMINATION_BALLOT_NOT_CLOSED
                % {"ballot": ballot.get_purpose_display(), "round": ballot.round},
                False,
            )
        )
    add(
        Requirement(
            "vote", msg.NOMINATION_MISSING_VOTE, flag_ballot is not None, msg.NOMINATION_HAS_VOTE
        )
    )
    flag_elected = elected_units(flag_ballot)
    for nominee in nominees:
        if nominee.award == Nominee.Award.FLAG:
            needs_grounds = flag_ballot is not None and nominee.unit_id not in flag_elected
        else:
            needs_grounds = bool(merit_ballots) and nominee.unit_id not in merit_elected
        if needs_grounds:
            add(
                Requirement(
                    f"grounds-{nominee.unit_id}",
                    msg.NOMINATION_MISSING_GROUNDS % {"unit": nominee.unit.name},
                    bool(nominee.reason.strip()),
                    msg.NOMINATION_HAS_GROUNDS % {"unit": nominee.unit.name},
                )
            )
    for nominee in nominees:
        add(
            Requirement(
                f"report-{nominee.unit_id}",
                msg.NOMINATION_MISSING_REPORT % {"unit": nominee.unit.name},
                nominee.unit_id in reports,
                msg.NOMINATION_HAS_REPORT % {"unit": nominee.unit.name},
            )
        )
    for ballot in ballots:
        job, stale = fresh_job(ballot, BALLOT_MINUTES, since)
        params = {"ballot": ballot.get_purpose_display(), "round": ballot.round}
        add(
            Requirement(
                f"ballot-{ballot.pk}",
                (
                    msg.NOMINATION_STALE_BALLOT_MINUTES
                    if stale
                    else msg.NOMINATION_MISSING_BALLOT_MINUTES
                )
                % params,
                job is not None,
                msg.NOMINATION_HAS_BALLOT_MINUTES % params,
                job=job,
                kind=NominationDocument.Kind.BALLOT_MINUTES,
                obj=ballot,
            )
        )
    job = done_job(period, SCORE_SUMMARY)
    add(
        Requirement(
            "score_summary",
            msg.NOMINATION_MISSING_SUMMARY,
            job is not None,
            msg.NOMINATION_HAS_SUMMARY,
            job=job,
            kind=NominationDocument.Kind.SCORE_SUMMARY,
            obj=period,
        )
    )
    if meeting is None:
        add(Requirement("deliberation", msg.NOMINATION_MISSING_MEETING, False))
    else:
        job, stale = fresh_job(period, DELIBERATION_MINUTES, since)
        add(
            Requirement(
                "deliberation",
                msg.NOMINATION_STALE_DELIBERATION if stale else msg.NOMINATION_MISSING_DELIBERATION,
                job is not None,
                msg.NOMINATION_HAS_DELIBERATION,
                job=job,
                kind=NominationDocument.Kind.DELIBERATION_MINUTES,
                obj=period,
            )
        )
    return found


def nomination_of(period: Period) -> Nomination | None:
    return (
        Nomination.objects.select_related("submitted_by", "decided_by")
        .filter(period=period)
        .first()
    )
