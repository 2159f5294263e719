"""What the services say when they refuse: module constants, so forms show them and
tests assert them word for word."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DUPLICATE_UNIT = _("A current unit named “%(name)s” already exists in this organizer.")
DUPLICATE_UNIT_PERIOD = _(
    "A unit named “%(name)s” already exists in this organizer for part of that period (%(period)s)."
)
DUPLICATE_ORGANIZER = _("An organizer named “%(name)s” already exists.")
DUPLICATE_CLUSTER = _("A cluster named “%(name)s” already exists in this organizer.")
DUPLICATE_YEAR = _("This cluster already has a year %(year)s.")
UNIT_OTHER_ORGANIZER = _("“%(unit)s” is registered by another organizer.")
UNIT_NOT_VALID_IN_YEAR = _("“%(unit)s” did not exist in %(year)s (valid %(period)s).")
UNIT_IN_OTHER_CLUSTER = _("“%(unit)s” is already a member of “%(cluster)s” in %(year)s.")
UNIT_LISTED_TWICE = _("“%(unit)s” is listed twice.")
HEAD_NOT_MEMBER = _("The head unit must be a member of the cluster in this year.")
DEPUTY_NOT_MEMBER = _("The deputy head unit must be a member of the cluster in this year.")
HEAD_IS_DEPUTY = _("A unit cannot be both head and deputy head in the same year.")
DECISION_DATE_OUTSIDE = _(
    "The decision date must fall between 01/10/%(before)s and 31/12/%(year)s."
)
DECISION_INCOMPLETE = _("Give the decision number together with its date.")
DATES_REVERSED = _("“Valid to” must not be before “valid from”.")
PARENT_OTHER_ORGANIZER = _("The parent unit must belong to the same organizer.")
PARENT_IS_SELF = _("A unit cannot be its own parent.")
UNIT_ALREADY_ENDED = _("“%(unit)s” already ended on %(date)s.")
CHANGE_DATE_BEFORE_START = _("The change date must be after “%(unit)s” began (%(date)s).")
MERGE_NEEDS_TWO = _("A merge needs at least two units.")
SPLIT_NEEDS_TWO = _("A split needs at least two new units.")
YEAR_CLOSED = _("The year %(year)s is closed; reopen it before changing it.")
UNKNOWN_STATUS = _("“%(status)s” is not a status of a cluster year.")
UNIT_ENDS_BEFORE_MEMBERSHIP = _(
    "“%(unit)s” is a member of “%(cluster)s” in %(year)s, so it must exist in that year."
)
TRANSITION_NOT_ALLOWED = _("This year cannot go from “%(old)s” to “%(new)s”.")
ROTATION_NEEDS_ORDER = _("Rotation needs at least two members and a head in the agreed order.")
NEXT_YEAR_HAS_HEAD = _("Year %(year)s already has a head; change it on that year's page.")
USERNAME_TAKEN = _("The user name “%(username)s” is taken.")
ROLE_NEEDS_UNIT = _("Unit officers and leaders need a unit.")
CANNOT_DEACTIVATE_SELF = _("You cannot deactivate your own account.")
