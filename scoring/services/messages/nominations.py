"""What the nomination services say (module constants tests assert word for word) and
the activity-log words of the "scoring.nomination.*" action keys."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NOMINATION_NOT_ALLOWED = _("Only the cluster head or the emulation board can prepare a nomination.")
NOMINATION_NOT_YEAR_END = _("Awards are proposed from the year-end review only.")
NOMINATION_NOT_PUBLISHED = _("Publish the results of the period before proposing awards.")
NOMINATION_NOT_EDITABLE = _(
    "The nomination has been sent to the board: it can change only if the board returns it."
)
NOMINATION_FLAG_QUOTA = _("At most %(quota)s unit(s) can be proposed for the emulation flag.")
NOMINATION_MERIT_QUOTA = _("At most %(quota)s unit(s) can be proposed for a certificate of merit.")
NOMINATION_NOT_MEMBER = _("%(unit)s is not a member unit of this cluster year.")
NOMINATION_UNIT_TWICE = _("%(unit)s is proposed more than once: a unit gets one award.")
NOMINATION_NUMBER_TOO_LONG = _("The submission number has at most %(limit)s characters.")
NOMINATION_KIND_UNKNOWN = _("Choose what the document is.")
NOMINATION_REPORT_UNIT = _("Choose the nominated unit the achievement report is about.")
NOMINATION_UPLOAD_NOT_ALLOWED = _(
    "Only the cluster head uploads the dossier; a nominated unit uploads its own achievement "
    "report."
)
NOMINATION_DOCUMENT_WITHDRAWN = _("This document has already been withdrawn.")
NOMINATION_DOCUMENT_NOT_YOURS = _("You can withdraw only your own unit's documents.")

# What a submission still lacks (listed all together).
NOMINATION_MISSING_NOMINEES = _("No unit is proposed yet.")
# What each piece of the dossier is, said on the checklist when it is there.
NOMINATION_HAS_NOMINEES = _("Units proposed")
NOMINATION_HAS_NUMBER = _("Number of the submission")
NOMINATION_HAS_DATE = _("Date of the submission")
NOMINATION_HAS_REPORT = _("Achievement report of %(unit)s")
NOMINATION_HAS_BALLOT_MINUTES = _("Ballot-count minutes of “%(ballot)s” (round %(round)s)")
NOMINATION_HAS_SUMMARY = _("Score summary of the period (PDF)")
NOMINATION_HAS_DELIBERATION = _("Minutes of the deliberation meeting (PDF)")
NOMINATION_HAS_VOTE = _(
    "A closed vote electing the leading unit, or the head and deputy's decision"
)
NOMINATION_HAS_GROUNDS = _("Grounds for proposing %(unit)s")
NOMINATION_MISSING_NUMBER = _("The submission has no number.")
NOMINATION_MISSING_DATE = _("The submission has no date.")
NOMINATION_MISSING_REPORT = _("The achievement report of %(unit)s is missing.")
NOMINATION_MISSING_BALLOT_MINUTES = _(
    "The ballot-count minutes of the ballot “%(ballot)s” (round %(round)s) have not been made."
)
NOMINATION_MISSING_SUMMARY = _("The score summary (PDF) of the period has not been made.")
NOMINATION_MISSING_DELIBERATION = _("The deliberation minutes (PDF) have not been made.")
NOMINATION_MISSING_MEETING = _(
    "The deliberation meeting has not been recorded, so its minutes cannot be made."
)
NOMINATION_STALE_DELIBERATION = _(
    "The deliberation minutes (PDF) were made before the meeting was last recorded: make them "
    "again."
)
NOMINATION_STALE_BALLOT_MINUTES = _(
    "The ballot-count minutes of the ballot “%(ballot)s” (round %(round)s) were made before the "
    "deliberation meeting was last recorded: make them again."
)
NOMINATION_BALLOT_NOT_CLOSED = _("The ballot “%(ballot)s” (round %(round)s) is not closed yet.")
NOMINATION_MISSING_VOTE = _(
    "No leading-unit ballot has elected a unit or been decided by the head and deputy head."
)
NOMINATION_MISSING_GROUNDS = _(
    "%(unit)s is proposed although the vote chose otherwise: give the grounds for it."
)
NOMINATION_NOMINEE_HAS_COMMENTS = _(
    "%(unit)s has comments from the public disclosure and cannot be removed."
)

# Notifications ----------------------------------------------------------------------

NOMINATION_SUBMITTED_SUBJECT = _("Nomination received: %(cluster)s %(year)s")
NOMINATION_SUBMITTED_BODY = _(
    "%(cluster)s has sent its nomination for %(year)s (submission no. %(number)s) with its dossier."
)
NOMINATION_SUBMITTED_LATE_BODY = _(
    "%(cluster)s has sent its nomination for %(year)s (submission no. %(number)s) with its "
    "dossier, after the deadline of %(deadline)s."
)

ACTION_AREAS: dict = {"scoring.nomination": _("Award nominations")}
ACTION_LABELS: dict = {
    "scoring.nomination.prepared": _("Nomination prepared"),
    "scoring.nomination.nominees_set": _("Proposed units changed"),
    "scoring.nomination.updated": _("Submission details changed"),
    "scoring.nomination.document_added": _("Dossier document added"),
    "scoring.nomination.document_withdrawn": _("Dossier document withdrawn"),
    "scoring.nomination.submitted": _("Nomination sent to the board"),
}
ACTION_FIELDS: dict = {
    "flag": _("emulation flag"),
    "merit": _("certificate of merit"),
    "number": _("submission number"),
    "date": _("submission date"),
    "summary": _("summary of achievements"),
    "kind": _("kind"),
    "unit": _("unit"),
    "original_name": _("file name"),
    "late": _("sent late"),
    "deadline": _("deadline"),
    "source": _("proposed from"),
}
