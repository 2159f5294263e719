"""What the verification services say (module constants tests assert word for word) and the
activity-log words of their action keys."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Who and when ----------------------------------------------------------------------------

NOT_A_VERIFIER = _("You do not verify this scorecard as %(role)s.")
NOT_A_DECIDER = _(
    "As %(role)s you may propose points on “%(code)s”, but the decision belongs to %(deciders)s."
)
BOARD_CRITERION = _(
    "“%(code)s” is appraised by the emulation board itself; the cluster head and deputy "
    "do not score it."
)
NOT_A_FINALISER = _("As %(role)s you cannot finalise this scorecard.")
PERIOD_NOT_OPEN = _("This scoring period is not open.")
CARD_NOT_SUBMITTED = _(
    "The scorecard is “%(state)s”: it can be verified only once the unit has submitted it."
)
CARD_VERIFIED_BOARD_ONLY = _(
    "The cluster head has already finalised this scorecard; only the emulation board can "
    "change it now."
)
CARD_FINAL = _("This scorecard is final: nothing on it can change any more.")
VERIFICATION_DEADLINE_PASSED = _(
    "The verification deadline (%(deadline)s) has passed; only the emulation board can "
    "still change the points."
)
ENTRY_OTHER_CARD = _("“%(code)s” is not a criterion of this scorecard.")

# Proposals and decisions ------------------------------------------------------------------

POINTS_REQUIRED = _("Enter the points.")
POINTS_NEGATIVE = _("Points cannot be negative (for a deduction, write the points taken off).")
POINTS_ABOVE_MAX = _("“%(code)s” is worth at most %(max)s points.")
REASON_REQUIRED = _(
    "Say why the points differ from the unit's own (%(self)s): the unit and the board read it."
)
REASON_TOO_LONG = _("The reason is longer than %(limit)s characters.")

# Returning for an explanation ---------------------------------------------------------------

RETURN_NO_ENTRIES = _("Tick at least one criterion the unit must explain.")
QUESTION_REQUIRED = _("Write what the unit must explain.")
DEADLINE_REQUIRED = _("Give the date by which the unit must answer.")
DEADLINE_IN_PAST = _("The answer deadline must be in the future.")
DEADLINE_AFTER_PERIOD = _(
    "The answer deadline cannot be after the period's explanations deadline (%(deadline)s)."
)
CANNOT_RETURN = _("A scorecard that is “%(state)s” cannot be returned for an explanation.")
NOT_A_RETURNER = _(
    "As %(role)s you cannot return this scorecard: the cluster head (the deputy head for the "
    "head's own scorecard) or the emulation board can."
)

# Answers -------------------------------------------------------------------------------

NOT_THE_UNIT = _("Only the people of %(unit)s can answer for it.")
REQUEST_NOT_OPEN = _("This request has already been answered.")
ANSWER_DEADLINE_PASSED = _(
    "The deadline to answer (%(deadline)s) has passed; ask the emulation board to reopen "
    "the scorecard."
)
ANSWER_REQUIRED = _("Write the explanation.")
EVIDENCE_OTHER_CARD = _("One of the chosen pieces of evidence does not belong to this scorecard.")
EVIDENCE_WITHDRAWN = _("“%(evidence)s” has been withdrawn and cannot back an explanation.")

# Finalising -----------------------------------------------------------------------------

CANNOT_FINALISE = _("A scorecard that is “%(state)s” cannot be finalised.")
REQUESTS_PENDING = _(
    "The unit still has to answer, or the verifier still has to decide on, %(count)s request(s) "
    "for an explanation."
)
BOARD_CRITERIA_PENDING = _(
    "The emulation board has not yet appraised %(codes)s; the scorecard can be finalised once "
    "it has."
)
# Stored as the reason of the final points copied from the unit's own at finalisation.
FINAL_CONFIRMED_REASON = _("Confirmed at finalisation")

# Cross-scoring --------------------------------------------------------------------------

CROSS_SCORING_OFF = _("Cross-scoring is not used in this period.")
NOT_HEAD_OR_BOARD = _("Only the cluster head or the emulation board assign cross-scoring.")
ASSIGN_OWN_UNIT = _("A unit cannot score its own scorecard.")
ASSIGN_NOT_MEMBER = _("%(unit)s is not a member unit of the cluster this year.")
ASSIGN_MUTUAL = _("%(first)s and %(second)s now score each other; choose another unit if you can.")
ASSIGN_FINAL = _("The scorecard of %(unit)s is final; its cross-scoring cannot change.")
ALLOCATE_TOO_FEW = _("Cross-scoring needs at least two member units.")

# Notifications ----------------------------------------------------------------------------

RETURNED_SUBJECT = _("Your scorecard was returned for an explanation: %(cluster)s %(year)s")
RETURNED_BODY = _(
    "%(verifier)s asks %(unit)s to explain criteria %(codes)s of its scorecard (%(period)s):\n\n"
    "%(question)s\n\nAnswer by %(deadline)s, then submit the scorecard again."
)
ANSWERED_SUBJECT = _("%(unit)s has answered the request for an explanation")
ANSWERED_BODY = _(
    "%(unit)s has answered about criteria %(codes)s of its scorecard (%(period)s, %(cluster)s "
    "%(year)s):\n\n%(answer)s"
)
FINALISED_SUBJECT = _("Your scores are final: %(cluster)s %(year)s")
FINALISED_BODY = _(
    "The scorecard of %(unit)s for %(period)s is final: %(total)s points (self-assessed: %(self)s)."
)
VERIFIED_SUBJECT = _("Scorecard verified by the cluster head: %(unit)s")
VERIFIED_BODY = _(
    "The cluster head has verified the scorecard of %(unit)s (%(period)s, %(cluster)s "
    "%(year)s): %(total)s points. It waits for the emulation board to finalise it."
)

# Activity log ---------------------------------------------------------------------------

ACTION_AREAS: dict = {
    "scoring.verification": _("Verification of scores"),
    "scoring.assignment": _("Cross-scoring assignments"),
}
ACTION_LABELS: dict = {
    "scoring.verification.proposed": _("Points proposed by a verifier"),
    "scoring.verification.decided": _("Points decided"),
    "scoring.verification.returned": _("Scorecard returned for an explanation"),
    "scoring.verification.answered": _("Explanation answered"),
    "scoring.verification.verified": _("Scorecard verified by the cluster head"),
    "scoring.verification.finalised": _("Scorecard finalised"),
    "scoring.assignment.set": _("Cross-scoring assigned"),
    "scoring.assignment.removed": _("Cross-scoring assignment removed"),
    "scoring.assignment.allocated": _("Cross-scoring allocated automatically"),
}
# Shared keys ("role", "reason", "criterion", "evidence", "self_total") keep the words
# other areas registered for them.
ACTION_FIELDS: dict = {
    "proposed": _("proposed points"),
    "final_points": _("final points"),
    "question": _("what needs explaining"),
    "deadline": _("answer by"),
    "criteria": _("criteria"),
    "answer": _("explanation"),
    "final_total": _("final total"),
    "reviewer_unit": _("scored by"),
    "assignments": _("assignments"),
    "mutual": _("scoring each other"),
    "self_points": _("self-assessed points"),
    "confirmed": _("points confirmed at finalisation"),
    "kept": _("kept"),
}
