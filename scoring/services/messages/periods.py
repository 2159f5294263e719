"""What the scoring-period services say (module constants tests assert word for word)
and the activity-log words of the "scoring.period.*" action keys."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PERIOD_EXISTS = _("This year already has a %(kind)s period.")
PERIOD_YEAR_CLOSED = _("The year %(year)s is closed: no scoring period can be opened in it.")
DEADLINES_ORDER = _(
    "The deadlines must follow each other: self-scoring, then verification, then explanations."
)
PERIOD_NOT_DRAFT = _("This period has already opened; its scorecards exist.")
PERIOD_NOT_OPEN = _("This scoring period is not open.")
NO_RUBRIC = _("The year has no scoring table yet: make one before opening scoring.")
NO_MEMBERS = _("The year has no member units.")
BOARD_CODE_UNKNOWN = _("“%(code)s” is not a criterion code of the scoring table.")

ACTION_AREAS: dict = {"scoring.period": _("Scoring periods")}
ACTION_LABELS: dict = {
    "scoring.period.created": _("Scoring period created"),
    "scoring.period.updated": _("Scoring period changed"),
    "scoring.period.opened": _("Scoring opened"),
}
ACTION_FIELDS: dict = {
    "self_deadline": _("self-scoring deadline"),
    "verification_deadline": _("verification deadline"),
    "explanation_deadline": _("explanations deadline"),
    "scorecards": _("scorecards"),
}

# Notifications ----------------------------------------------------------------------

PERIOD_OPENED_SUBJECT = _("Scoring has opened: %(period)s, %(cluster)s %(year)s")
PERIOD_OPENED_BODY = _(
    "Scoring has opened for %(period)s of %(cluster)s %(year)s. Score your unit and "
    "submit by %(deadline)s."
)
