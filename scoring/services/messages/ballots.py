"""What the secret-ballot services say (module constants tests assert word for word)
and the activity-log words of the "scoring.ballot.*" action keys."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

BALLOT_NOT_ALLOWED = _("Only the cluster head or the emulation board can manage a ballot.")
BALLOT_YEAR_CLOSED = _("The year %(year)s is closed: no ballot can be held in it.")
BALLOT_PURPOSE_UNKNOWN = _("Choose what the ballot is for.")
BALLOT_NO_CANDIDATES = _("Choose at least one candidate.")
BALLOT_CANDIDATE_NOT_MEMBER = _("%(unit)s is not a member unit of this cluster year.")
BALLOT_CHOOSE_RANGE = _("Voters may choose from 1 to %(count)s candidate(s).")
BALLOT_TIMES_ORDER = _("Voting must close after it opens.")
BALLOT_FRACTION_INVALID = _("Give a fraction between 0 and 1, e.g. 2/3.")
BALLOT_ROUND_RANGE = _("The round must be from 1 to %(max)s.")
BALLOT_NOT_DRAFT = _("This ballot has already been opened.")
BALLOT_NOT_OPEN = _("This ballot is not open for voting.")
BALLOT_CLOSE_PASSED = _("Voting closes at a time already past: change the times first.")
BALLOT_OUTSIDE_TIMES = _("Voting is open from %(opens)s to %(closes)s only.")
BALLOT_CLOSE_TOO_EARLY = _(
    "Voting is still running until %(closes)s and %(missing)s unit(s) have not voted yet: "
    "the ballot can be closed early only once every member unit has voted."
)
BALLOT_NOT_LEADER = _("Only the leader of a member unit casts its unit's ballot.")
BALLOT_ALREADY_VOTED = _("Your unit has already voted in this ballot: each unit votes once.")
BALLOT_CHOICE_NOT_CANDIDATE = _("You can only vote for the candidates on the ballot.")
BALLOT_TOO_MANY = _("Choose at most %(count)s candidate(s).")
BALLOT_EMPTY = _("Choose a candidate, or abstain.")
BALLOT_ABSTAIN_WITH_CHOICES = _("An abstention chooses nobody: untick the candidates or abstain.")
BALLOT_NOT_CLOSED = _("The ballot is not closed yet.")
BALLOT_HAS_WINNER = _("This round has a result: no further round is needed.")
BALLOT_NO_MORE_ROUNDS = _(
    "This was the last round (%(max)s): the cluster head and the deputy head decide."
)
BALLOT_NEXT_EXISTS = _("The next round of this ballot has already been created.")

# Notifications ----------------------------------------------------------------------

BALLOT_OPENED_SUBJECT = _("Secret ballot open: %(purpose)s, %(cluster)s %(year)s")
BALLOT_OPENED_BODY = _(
    "The secret ballot (round %(round)s) for %(purpose)s of %(cluster)s %(year)s is open "
    "until %(closes)s. The unit's leader casts the unit's ballot; your choice stays secret."
)

ACTION_AREAS: dict = {"scoring.ballot": _("Secret ballots")}
ACTION_LABELS: dict = {
    "scoring.ballot.created": _("Secret ballot prepared"),
    "scoring.ballot.opened": _("Secret ballot opened"),
    "scoring.ballot.voted": _("A unit voted"),
    "scoring.ballot.closed": _("Secret ballot closed and counted"),
    "scoring.ballot.next_round": _("Next ballot round prepared"),
}
ACTION_FIELDS: dict = {
    "purpose": _("purpose"),
    "round": _("round"),
    "candidates": _("candidates"),
    "choose_at_most": _("choose at most"),
    "quorum": _("quorum"),
    "threshold": _("approval threshold"),
    "opens_at": _("voting opens"),
    "closes_at": _("voting closes"),
    "unit": _("unit"),
    "issued": _("ballots issued"),
    "returned": _("ballots returned"),
    "winners": _("elected"),
}
