"""What the award-rules and deliberation services say (module constants tests assert
word for word) and the activity-log words of their action keys."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Award rules ---------------------------------------------------------------------------

AWARD_RULES_NOT_BOARD = _("Only the emulation board of this organizer can change its rules.")
AWARD_RULES_FRACTION = _("Give a fraction between 0 and 1: a numerator from 1 to the denominator.")
AWARD_RULES_DENOMINATOR = _("The denominator must be at least 1.")
AWARD_RULES_DENOMINATOR_TOO_LARGE = _("The denominator must be at most %(limit)s.")
AWARD_RULES_ROUNDS = _("The number of rounds must be from 1 to 5.")
AWARD_RULES_QUOTA = _("A quota must be from 0 to 10.")
AWARD_RULES_DEADLINE = _("This day and month do not make a valid date.")
AWARD_RULES_UNKNOWN_FIELD = _("Unknown rule: %(field)s.")

# Deliberation ----------------------------------------------------------------------------

DELIBERATION_NOT_ALLOWED = _(
    "Only the cluster head or the emulation board can record the deliberation meeting."
)
DELIBERATION_NOT_YEAR_END = _("A deliberation meeting is recorded for the year-end review only.")
DELIBERATION_YEAR_CLOSED = _("The year %(year)s is closed: the meeting can no longer be changed.")
DELIBERATION_NOMINATION_SENT = _(
    "The nomination has been sent to the board: the meeting can change only if the board "
    "returns it."
)
DELIBERATION_REQUIRED = _("This field is required.")
DELIBERATION_ENDS_BEFORE = _("The meeting must end after it starts.")
DELIBERATION_ATTENDEE_NOT_MEMBER = _("%(unit)s is not a member unit of this cluster year.")

# Head and deputy decision after the last round -----------------------------------------

DECISION_ONLY_HEAD = _("Only the cluster head records the decision of the head and deputy head.")
DECISION_NOT_DUE = _(
    "The head and deputy head decide only after the last round has closed without a result."
)
DECISION_ALREADY = _("The decision of the head and deputy head has already been recorded.")
DECISION_NO_UNITS = _("Choose the unit(s) decided on.")
DECISION_TOO_MANY = _("Choose at most %(count)s unit(s).")
DECISION_NOT_CANDIDATE = _("Only the candidates of the ballot can be decided on.")
DECISION_REASON_REQUIRED = _("Give the reason for the decision.")
DECISION_DEPUTY_REQUIRED = _("Confirm that the deputy head agrees with the decision.")

ACTION_AREAS: dict = {
    "scoring.award_rules": _("Vote and award rules"),
    "scoring.deliberation": _("Deliberation meetings"),
}
ACTION_LABELS: dict = {
    "scoring.award_rules.saved": _("Vote and award rules saved"),
    "scoring.deliberation.created": _("Deliberation meeting recorded"),
    "scoring.deliberation.updated": _("Deliberation meeting changed"),
    "scoring.ballot.head_decision": _("Decision of the head and deputy head recorded"),
}
ACTION_FIELDS: dict = {
    "quorum_numerator": _("quorum (numerator)"),
    "quorum_denominator": _("quorum (denominator)"),
    "threshold_numerator": _("threshold (numerator)"),
    "threshold_denominator": _("threshold (denominator)"),
    "threshold_strict": _("more than (not “at least”)"),
    "max_rounds": _("rounds at most"),
    "flag_quota": _("provincial flags per cluster"),
    "merit_quota": _("certificates of merit per cluster"),
    "nomination_deadline_day": _("nominations due by (day)"),
    "nomination_deadline_month": _("nominations due by (month)"),
    "held_at": _("meeting held at"),
    "ended_at": _("meeting ended at"),
    "place": _("place"),
    "chaired_by": _("chaired by"),
    "secretary": _("secretary"),
    "attendees": _("units present"),
    "units": _("units"),
}
