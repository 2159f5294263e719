"""What the ranking (issue 6) says: tie explanations, refusals of the tie-break setting
and of publication (module constants tests assert word for word), the notification, and
the activity-log words of the action keys (both "scoring.period.*")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Tie-break keys, in words ---------------------------------------------------------------

TIE_BREAK_LABELS: dict = {
    "first_section": _("higher score in the first section"),
    "fewer_deductions": _("fewer deductions"),
    "vote": _("the vote decides"),
}

# Tie explanations -----------------------------------------------------------------------

TIED_ON_TOTAL = _("Tied on total (%(total)s) with %(units)s")
AHEAD_ON_SECTION = _("ahead of %(unit)s on section %(section)s (%(mine)s vs %(theirs)s)")
BEHIND_ON_SECTION = _("behind %(unit)s on section %(section)s (%(mine)s vs %(theirs)s)")
AHEAD_ON_DEDUCTIONS = _("ahead of %(unit)s with fewer deductions (%(mine)s vs %(theirs)s)")
BEHIND_ON_DEDUCTIONS = _("behind %(unit)s with more deductions (%(mine)s vs %(theirs)s)")
VOTE_DECIDES = _("still tied with %(units)s on %(steps)s: the vote decides")
STEP_TOTAL = _("total")
STEP_SECTION = _("section %(section)s")
STEP_DEDUCTIONS = _("deductions")
AND = _("and")

# Refusals -------------------------------------------------------------------------------

TIE_BREAK_UNKNOWN = _("“%(key)s” is not a tie-break rule.")
TIE_BREAK_REPEATED = _("The tie-break rule “%(key)s” is listed twice.")
TIE_BREAK_VOTE_LAST = _("The vote always decides last: put no rule after it.")
RANKING_HEAD_ONLY = _("Only the cluster head or the emulation board can do this.")
RANKING_PUBLISHED = _("The results are already published: the ranking no longer changes.")
PUBLISH_NOT_OPEN = _("Scoring has not opened in this period: there is nothing to publish.")
PUBLISH_NOT_FINAL = _(
    "The results can be published only when every scorecard is final; not final yet: %(units)s."
)
PUBLISH_NO_CARDS = _("This period has no scorecards.")

# Notification ---------------------------------------------------------------------------

PUBLISHED_SUBJECT = _("Results published: %(period)s, %(cluster)s %(year)s")
PUBLISHED_BODY = _(
    "The results of %(period)s of %(cluster)s %(year)s are published: every member unit "
    "can now see the ranking and every unit's final scores."
)

# Both actions are of the "scoring.period" area (registered by messages/periods.py).
ACTION_AREAS: dict = {}
ACTION_LABELS: dict = {
    "scoring.period.published": _("Results published"),
    "scoring.period.tie_breaks_set": _("Tie-break order changed"),
}
ACTION_FIELDS: dict = {
    "tie_breaks": _("tie-break order"),
    "published_at": _("results published at"),
}
