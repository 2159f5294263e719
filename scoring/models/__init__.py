"""Scoring models, one module per area; import them from ``scoring.models``."""

from scoring.formulas import CriterionKind
from scoring.models.ballots import Ballot, BallotVoter, CastBallot
from scoring.models.rubrics import OUTSIDE_TOTAL, Criterion, Rubric
from scoring.models.scorecards import (
    SCORECARD_TRANSITIONS,
    Entry,
    EntryEvidence,
    EntryHistory,
    Evidence,
    Period,
    ReminderSent,
    Scorecard,
)
from scoring.models.verification import (
    ExplanationRequest,
    Review,
    ReviewAssignment,
)

__all__ = [
    "OUTSIDE_TOTAL",
    "SCORECARD_TRANSITIONS",
    "Ballot",
    "BallotVoter",
    "CastBallot",
    "Criterion",
    "CriterionKind",
    "Entry",
    "EntryEvidence",
    "EntryHistory",
    "Evidence",
    "ExplanationRequest",
    "Period",
    "ReminderSent",
    "Review",
    "ReviewAssignment",
    "Rubric",
    "Scorecard",
]
