"""What the self-scoring services say (module constants tests assert word for word) and the
activity-log words of their action keys ("scoring.scorecard.*", "scoring.evidence.*")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Why a scorecard (or one of its entries) cannot be changed -----------------------------

PERIOD_NOT_OPEN = _("Scoring is not open for this period.")
CARD_SUBMITTED = _(
    "Your unit has submitted this scorecard: it can no longer be changed unless the "
    "verifiers return it for explanation."
)
CARD_VERIFIED = _("This scorecard has been verified: it can no longer be changed.")
CARD_FINALISED = _("The scores of this scorecard are final: nothing on it can change.")
DEADLINE_PASSED = _(
    "The self-scoring deadline (%(deadline)s) has passed: the scorecard is locked. Only the "
    "emulation board can reopen it."
)
REOPEN_ENDED = _(
    "The extra time the emulation board gave (until %(until)s) has ended: the scorecard is locked."
)
RETURNED_NO_OPEN_REQUEST = _(
    "Every request for explanation has been answered: the values can no longer change. "
    "Submit the scorecard again for the verifiers to decide."
)
RETURNED_DEADLINE_PASSED = _(
    "The time to explain (until %(deadline)s) has passed: the scorecard is locked."
)
RETURNED_OTHER_ENTRY = _(
    "The scorecard was returned for explanation of other criteria: only %(codes)s can be "
    "changed now."
)

# Saving an entry ---------------------------------------------------------------------

ENTRY_OLD_VERSION = _(
    "“%(code)s” belongs to an earlier version of the scoring table; score the current one."
)

ENTRY_CONFLICT = _(
    "Someone else (%(name)s) saved this criterion at %(time)s while you were typing: their "
    "value is %(value)s."
)
FIELD_NOT_FOR_KIND = _("“%(code)s” is scored by %(expected)s; “%(field)s” does not apply.")
NOT_A_NUMBER = _("“%(value)s” is not a number (write e.g. 12,5 or 1.000).")
NUMBER_NEGATIVE = _("The value cannot be negative.")
NUMBER_TOO_PRECISE = _("Write at most %(places)s decimal places.")
NUMBER_TOO_LARGE = _("“%(value)s” is too large.")
POINTS_OUT_OF_RANGE = _("Points must be between 0 and %(max)s.")
COUNT_NOT_WHOLE = _("The number of times must be a whole number, 0 or more (e.g. 3).")
COUNT_TOO_LARGE = _("The number of times must be less than %(limit)s.")
YES_NO = _("Choose “met” or “not met”.")
COMMENT_TOO_LONG = _("The comment is longer than %(limit)s characters.")

# What still blocks a submission -----------------------------------------------------------

MISSING_VALUE = _("%(code)s. %(title)s: not scored yet.")
MISSING_EVIDENCE = _("%(code)s. %(title)s: evidence is required and none is attached.")
MISSING_REVIEW = _(
    "%(code)s. %(title)s: the criterion changed in a new version of the scoring table; "
    "check the value and save it again."
)
SUBMIT_INCOMPLETE = _("The scorecard cannot be submitted yet. Still missing:")
SUBMIT_OPEN_REQUESTS = _(
    "Answer every request for explanation before sending the scorecard back (%(count)s "
    "still waiting)."
)
SUBMIT_NOT_ALLOWED = _("A scorecard that is “%(state)s” cannot be submitted.")

# Evidence ------------------------------------------------------------------------------

FILE_REQUIRED = _("Choose a file to upload.")
FILE_EMPTY = _("The file is empty.")
FILE_TOO_LARGE = _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
FILE_TYPE_REFUSED = _(
    "This kind of file is not accepted. Upload a PDF, an image (PNG, JPEG, GIF), or a Word "
    "or Excel document (.docx, .xlsx, .doc, .xls)."
)
FILE_MACROS_REFUSED = _(
    "Documents with macros (.docm, .xlsm) are not accepted: save it as .docx or .xlsx."
)
DOC_NUMBER_REQUIRED = _("Give the document's number (e.g. 125/BC-UBND).")
DOC_NUMBER_TOO_LONG = _("The document number is longer than %(limit)s characters.")
DOC_DATE_REQUIRED = _("Give the document's date.")
DOC_DATE_FUTURE = _("The document's date cannot be in the future.")
TEXT_TOO_LONG = _("“%(field)s” is longer than %(limit)s characters.")
EVIDENCE_OTHER_CARD = _("This evidence belongs to another scorecard.")
EVIDENCE_WITHDRAWN = _("This evidence was withdrawn; it cannot support a criterion any more.")
EVIDENCE_NOT_LINKED = _("This evidence does not support “%(code)s”.")
WITHDRAW_WHILE_RETURNED = _(
    "While the scorecard is returned for explanation you can add evidence, but not withdraw "
    "what was submitted."
)

# Activity log ------------------------------------------------------------------------

YEAR_CLOSED = _("The year %(year)s is closed: its scorecards can no longer change.")
RECOMPUTED_REASON = _(
    "Recomputed: %(unit)s's value changed the cluster's best result, which this "
    "criterion's points are measured against."
)

ACTION_AREAS: dict = {
    "scoring.scorecard": _("Scorecards"),
    "scoring.evidence": _("Evidence"),
}
ACTION_LABELS: dict = {
    "scoring.scorecard.submitted": _("Scorecard submitted"),
    "scoring.evidence.uploaded": _("Evidence file uploaded"),
    "scoring.evidence.referenced": _("Official document cited as evidence"),
    "scoring.evidence.linked": _("Evidence attached to a criterion"),
    "scoring.evidence.unlinked": _("Evidence detached from a criterion"),
    "scoring.evidence.withdrawn": _("Evidence withdrawn"),
}
ACTION_FIELDS: dict = {
    "self_total": _("self-assessed total"),
    "from_state": _("previous state"),
    "criterion": _("criterion"),
    "evidence": _("evidence"),
    "original_name": _("file name"),
    "size": _("size (bytes)"),
    "sha256": _("SHA-256"),
    "doc_number": _("document number"),
    "doc_date": _("document date"),
    "doc_issuer": _("issued by"),
    "title": _("description"),
}
