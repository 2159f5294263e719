"""What the covenant services say when they refuse: module constants, so forms show
them and tests assert them word for word.

Helper C (drafting) owns the first part; the workflow constants follow at the end
under their own heading.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Drafting ----------------------------------------------------------------------------

COVENANT_NOT_EDITABLE = _(
    "This covenant can no longer be changed: it has been adopted, is being signed or is "
    "signed. A change after signing is an amendment."
)
COVENANT_EXISTS_FOR_YEAR = _(
    "This cluster already has a covenant for %(year)s; open it, or amend it once it is signed."
)
SOURCE_OTHER_CLUSTER = _("The covenant to copy must belong to the same cluster.")
FORM_OUT_OF_DATE = _(
    "The page was out of date (someone else changed the covenant); reload it and try again."
)
WITNESS_BOARD_ONLY = _("Only the emulation board may decide whether a witness signs.")
SECTION_HEADING_REQUIRED = _("Give the section a heading.")
GUEST_NAME_REQUIRED = _("Give the guest's full name.")
TARGET_INDICATOR_REQUIRED = _("Give the indicator.")
TARGET_INDICATOR_DUPLICATE = _("The indicator “%(indicator)s” is listed twice.")
TARGET_VALUE_INVALID = _("“%(value)s” is not a number (write e.g. 9, 95,5 or 1.234,5).")
TARGET_VALUE_TOO_PRECISE = _("“%(value)s” has more than 4 decimal places.")
TARGET_VALUE_TOO_LARGE = _("The number “%(value)s” is too large.")
TARGET_UNIT_NOT_MEMBER = _("“%(unit)s” is not a member unit of the cluster in %(year)s.")
DOCUMENT_TYPE_NOT_ALLOWED = _(
    "The file must be a PDF, Word (.doc, .docx) or Excel (.xls, .xlsx) document; "
    "its content does not match."
)
DOCUMENT_TOO_LARGE = _("The file is larger than %(limit)s MB.")
DOCUMENT_FILE_REQUIRED = _("Choose a file to upload.")
COMMENT_NOT_CIRCULATED = _("Comments are accepted only while the draft is circulated for comments.")
COMMENT_EMPTY = _("Write the comment.")
COMMENT_SECTION_OTHER = _("The section belongs to another covenant.")
IMPORT_UNKNOWN_UNIT_COLUMN = _(
    "Column “%(column)s” is not a member unit of the cluster in %(year)s."
)
IMPORT_EMPTY_INDICATOR = _("The indicator is empty.")
IMPORT_NO_ROWS = _("The file has no targets.")
IMPORT_EXPIRED = _("The uploaded file is no longer available; upload it again.")

# Workflow and signing (Helper D) -----------------------------------------------------

COVENANT_TRANSITION_NOT_ALLOWED = _("This covenant cannot go from “%(old)s” to “%(new)s”.")
COVENANT_TRANSITION_UNKNOWN = _("“%(state)s” is not a step a user can move the covenant to.")
ADOPT_NEEDS_SECTION = _("A covenant needs at least one commitment section before it is adopted.")
OPEN_SIGNING_NEEDS_MEMBERS = _("The cluster has no member units in %(year)s to sign.")
COVENANT_SIGNED_IMMUTABLE = _(
    "A signed covenant cannot be changed; amend it to make a new version that is signed again."
)
AMEND_ONLY_SIGNED = _("Only a signed covenant can be amended.")
AMEND_ALREADY_AMENDED = _("This version has already been amended by version %(version)s.")
AMEND_REASON_REQUIRED = _("Give the reason for the amendment.")
SIGN_NOT_SIGNING = _("The covenant is not open for signing.")
SIGN_NOT_LEADER = _("Only the leader of a member unit can sign for the unit.")
SIGN_NOT_MEMBER = _("“%(unit)s” is not a member unit of the cluster in %(year)s.")
SIGN_ALREADY_SIGNED = _("“%(unit)s” has already signed this covenant.")
SIGN_HEAD_LAST = _("The head unit signs last; still missing: %(missing)s.")
SIGN_WRONG_PASSWORD = _("The password is not correct. Nothing was signed.")
SIGN_TOO_MANY_ATTEMPTS = _(
    "Too many wrong passwords in a short time. Nothing was signed; try again in %(minutes)s "
    "minutes."
)
WITNESS_NOT_NEEDED = _("This covenant has no witness signature.")
WITNESS_BOARD_STAFF_ONLY = _("Only a staff member of the emulation board signs as witness.")
WITNESS_TOO_EARLY = _(
    "The witness signs after every member unit except the head; still missing: %(missing)s."
)
WITNESS_ALREADY_SIGNED = _("The witness has already signed this covenant.")
TOKEN_FILE_NOT_PDF = _("The file is not a PDF document.")
TOKEN_FILE_TOO_LARGE = _("The file is larger than %(limit)s MB.")
TOKEN_FILE_NOT_SIGNED = _("The file carries no digital signature.")
TOKEN_FILE_NOT_INTACT = _(
    "The file was changed after it was signed, or its signature is broken: it cannot be accepted."
)

# Lead: the membership lock ------------------------------------------------------
MEMBERSHIP_FIXED_BY_COVENANT = _(
    "The %(year)s covenant has been adopted with these members: the year's members, head "
    "and deputy can no longer change."
)
TOKEN_FILE_NOT_THIS_COVENANT = _(
    "This file is not a signed copy of this covenant's adopted text: download the "
    "covenant's PDF here, sign that file with the token, and upload it."
)
TOKEN_FILE_OTHER_SIGNER = _("The file is signed by %(names)s, not by the unit's leader %(leader)s.")
