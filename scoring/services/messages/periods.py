"""What the scoring-period services say (module constants tests assert word for word)
and the activity-log words of the "scoring.period.*" action keys."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PERIOD_EXISTS = _("This year already has a %(kind)s period.")
PERIOD_KIND_UNKNOWN = _("Choose a mid-year or a year-end period.")
PERIOD_YEAR_CLOSED = _("The year %(year)s is closed: no scoring period can be opened in it.")
DEADLINES_ORDER = _(
    "This deadline comes before the self-scoring deadline: verification and explanations "
    "follow self-scoring."
)
PERIOD_NOT_DRAFT = _("This period has already opened; its scorecards exist.")
PERIOD_CLOSED = _("This scoring period is closed: nothing in it can change any more.")
PERIOD_NOT_OPEN = _("This scoring period is not open.")
NO_RUBRIC = _("The year has no scoring table yet: make one before opening scoring.")
NO_MEMBERS = _("The year has no member units.")
NO_HEAD = _(
    "The year has no cluster head yet: the board names the head (and the deputy) before "
    "scoring opens, because the head verifies the scores."
)
BOARD_CODE_UNKNOWN = _("“%(code)s” is not a criterion code of the scoring table.")
PERIOD_DELETE_NOT_DRAFT = _(
    "Only a period that has not opened yet can be deleted; this one has scorecards."
)

# Reopening a late unit ----------------------------------------------------------------

REOPEN_BOARD_ONLY = _("Only the emulation board can reopen a unit's scorecard after the deadline.")
REOPEN_REASON_REQUIRED = _("Say why this unit may score after the deadline.")
REOPEN_UNTIL_PAST = _("The new time limit must be in the future.")
REOPEN_NOT_ALLOWED = _(
    "This scorecard is “%(state)s”: only a scorecard being self-scored or returned for "
    "explanation can be reopened."
)

# A new rubric version during scoring ----------------------------------------------------

CARRY_FINALISED = _(
    "The new version cannot be frozen: the scores of %(units)s are already final in the "
    "%(period)s, and a final scorecard never changes. Freeze the new version only for "
    "scoring that has not been finalised."
)
CARRY_REASON = _("Carried from version %(old)s to version %(new)s of the scoring table.")
CARRY_REASON_CHANGED = _(
    "Carried from version %(old)s to version %(new)s of the scoring table; the criterion "
    "changed, so it needs a new look."
)

# Shown in forms and pages -------------------------------------------------------------

DEADLINE_AT = _("%(time)s on %(date)s")

ACTION_AREAS: dict = {"scoring.period": _("Scoring periods")}
ACTION_LABELS: dict = {
    "scoring.period.created": _("Scoring period created"),
    "scoring.period.updated": _("Scoring period changed"),
    "scoring.period.opened": _("Scoring opened"),
    "scoring.period.deleted": _("Scoring period deleted"),
    "scoring.period.scorecard_reopened": _("Scorecard reopened after the deadline"),
    "scoring.period.rubric_changed": _("Scores carried to a new version of the scoring table"),
}
ACTION_FIELDS: dict = {
    "self_deadline": _("self-scoring deadline"),
    "verification_deadline": _("verification deadline"),
    "explanation_deadline": _("explanations deadline"),
    "deputy_verifies": _("the deputy head verifies too"),
    "cross_scoring": _("cross-scoring by peer units"),
    "board_criteria": _("criteria appraised by the board"),
    "board_finalises": _("the board finalises after the head"),
    "scorecards": _("scorecards"),
    "reopened_until": _("reopened until"),
    "reopen_reason": _("reason for reopening"),
}

# Notifications ----------------------------------------------------------------------

PERIOD_OPENED_SUBJECT = _("Scoring has opened: %(period)s, %(cluster)s %(year)s")
PERIOD_OPENED_BODY = _(
    "Scoring has opened for %(period)s of %(cluster)s %(year)s. Score your unit and "
    "submit by %(deadline)s."
)
REOPENED_SUBJECT = _("Your unit may score again until %(until)s: %(period)s, %(cluster)s %(year)s")
REOPENED_BODY = _(
    "The emulation board reopened your unit's scorecard for %(period)s of %(cluster)s "
    "%(year)s until %(until)s.\n\nReason: %(reason)s"
)
RUBRIC_CHANGED_SUBJECT = _(
    "The scoring table changed (version %(version)s): %(period)s, %(cluster)s %(year)s"
)
RUBRIC_CHANGED_BODY = _(
    "The scoring table of %(cluster)s %(year)s now has version %(version)s.\n\n"
    "What changed:\n%(note)s\n\n"
    "Scores already entered were carried to the new version. Criteria that changed and "
    "need a new look: %(changed)s. New criteria, still empty: %(added)s. Criteria no "
    "longer scored: %(removed)s."
)
NONE_LISTED = _("none")

REMINDER_SELF_SUBJECT = _(
    "Self-scoring closes in %(days)s day(s): %(period)s, %(cluster)s %(year)s"
)
REMINDER_SELF_BODY = _(
    "The self-scoring deadline of %(period)s of %(cluster)s %(year)s is %(deadline)s, and "
    "your unit's scorecard has not been submitted yet. Finish it and submit it before "
    "then: after the deadline the form locks."
)
REMINDER_VERIFICATION_SUBJECT = _(
    "Verification closes in %(days)s day(s): %(period)s, %(cluster)s %(year)s"
)
REMINDER_VERIFICATION_BODY = _(
    "The verification deadline of %(period)s of %(cluster)s %(year)s is %(deadline)s. "
    "Scorecards not final yet: %(pending)s."
)
REMINDER_EXPLANATION_SUBJECT = _(
    "Your explanation is due in %(days)s day(s): %(period)s, %(cluster)s %(year)s"
)
REMINDER_EXPLANATION_BODY = _(
    "Your unit was asked to explain some of its scores for %(period)s of %(cluster)s "
    "%(year)s:\n%(question)s\n\nThe answer is due %(deadline)s."
)
