"""Scoring models, one module per area; import them from ``scoring.models``."""

from scoring.formulas import CriterionKind
from scoring.models.ballots import Ballot, BallotVoter, CastBallot
from scoring.models.results import (
    AwardRules,
    Deliberation,
    Disclosure,
    DisclosureComment,
    Nomination,
    NominationDocument,
    Nominee,
    rules_for,
)
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
    "AwardRules",
    "Ballot",
    "BallotVoter",
    "CastBallot",
    "Criterion",
    "CriterionKind",
    "Deliberation",
    "Disclosure",
    "DisclosureComment",
    "Entry",
    "EntryEvidence",
    "EntryHistory",
    "Evidence",
    "ExplanationRequest",
    "Nomination",
    "NominationDocument",
    "Nominee",
    "Period",
    "ReminderSent",
    "Review",
    "ReviewAssignment",
    "Rubric",
    "Scorecard",
    "rules_for",
]
