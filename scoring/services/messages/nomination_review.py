"""What the board's nomination services say (module constants tests assert word for
word) and the activity-log words of the "scoring.nomination.accepted/returned" and
"scoring.disclosure.*" action keys."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REVIEW_BOARD_ONLY = _(
    "Only the emulation board of the organizer can accept or return a nomination."
)
REVIEW_NOT_SUBMITTED = _(
    "Only a nomination sent to the board can be accepted or returned; this one is: %(state)s."
)
RETURN_REASON_REQUIRED = _("Say why the nomination is returned: the cluster head will read it.")

DISCLOSURE_BOARD_ONLY = _("Only the emulation board of the organizer can set a public disclosure.")
DISCLOSURE_TIMES_ORDER = _("Comments must close after the disclosure opens.")
DISCLOSURE_CLOSED = _("The disclosure for %(year)s has closed: it can no longer be changed.")
DISCLOSURE_YEAR_INVALID = _("Give a year between 2000 and 2100.")

COMMENT_NOT_MEMBER = _("Only the board and the units of this organizer can comment.")
COMMENT_NOT_OPEN = _("Comments are taken from %(opens)s to %(closes)s only.")
COMMENT_NOT_PROPOSED = _("This unit is not proposed for an award in this disclosure.")
COMMENT_EMPTY = _("Write a comment.")
COMMENT_TOO_LONG = _("A comment has at most %(limit)s characters (this one has %(count)s).")

# Notifications ----------------------------------------------------------------------

ACCEPTED_SUBJECT = _("Nomination accepted: %(cluster)s %(year)s")
ACCEPTED_BODY = _(
    "The emulation board has accepted the award nomination of %(cluster)s for %(year)s."
)
RETURNED_SUBJECT = _("Nomination returned: %(cluster)s %(year)s")
RETURNED_BODY = _(
    "The emulation board has returned the award nomination of %(cluster)s for %(year)s. "
    "Reason: %(reason)s"
)
DISCLOSURE_SUBJECT = _("Proposed awards for %(year)s open for comments")
DISCLOSURE_BODY = _(
    "The units proposed for awards for %(year)s are shown to every member unit; "
    "comments are taken until %(closes)s."
)

ACTION_AREAS: dict = {
    "scoring.disclosure": _("Public disclosure of nominations"),
}
ACTION_LABELS: dict = {
    "scoring.nomination.accepted": _("Nomination accepted by the board"),
    "scoring.nomination.returned": _("Nomination returned by the board"),
    "scoring.disclosure.set": _("Public disclosure set"),
    "scoring.disclosure.commented": _("Comment on a proposed unit"),
}
ACTION_FIELDS: dict = {
    "return_reason": _("reason for returning"),
    "disclosure_opens_at": _("shown from"),
    "disclosure_closes_at": _("comments until"),
    "disclosure_note": _("note to members"),
    "nominee": _("proposed unit"),
    "comment_text": _("comment"),
}
