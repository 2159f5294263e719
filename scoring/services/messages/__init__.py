"""What the scoring-table services say when they refuse: module constants, so forms
show them and tests assert them word for word (English msgids, Vietnamese by default).

Also the activity-log words for the "scoring.rubric.*" / "scoring.criterion.*" action
keys (``ACTION_AREAS``, ``ACTION_LABELS``), for ``core.audit.register_actions``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from scoring.formulas import CriterionKind

# Rubrics ----------------------------------------------------------------------------

RUBRIC_FROZEN = _(
    "This scoring table is frozen because scoring has opened; make a new version to change it."
)
RUBRIC_EXISTS_FOR_YEAR = _(
    "This cluster already has a scoring table for %(year)s; open it, or make a new version "
    "once it is frozen."
)
RUBRIC_NAME_REQUIRED = _("Give the scoring table a name.")
RUBRIC_NAME_TOO_LONG = _("The name is longer than %(limit)s characters.")
SCALE_NOT_POSITIVE = _("The total points must be greater than 0.")
CAP_NEGATIVE = _("A cap cannot be negative.")
NOT_A_NUMBER = _("“%(value)s” is not a number (write e.g. 10, 12,5 or 1.000).")
TOO_MANY_DECIMALS = _("“%(value)s” has more than 2 decimal places.")
NUMBER_TOO_LARGE = _("“%(value)s” is too large: points must stay below 1.000.000.")
START_FROM_ONE_SOURCE = _("Start from a template or from last year's table, not both.")
NOT_A_TEMPLATE = _("This scoring table is not a template of the library.")
TEMPLATE_OTHER_ORGANIZER = _("The template belongs to another organizer's library.")
SOURCE_OTHER_ORGANIZER = _("The scoring table to copy belongs to another organizer.")
NO_PREVIOUS_RUBRIC = _("The cluster has no scoring table for %(year)s to copy.")
TEMPLATE_NOT_FROZEN = _("A library template is never frozen; only a cluster's table is.")
ALREADY_FROZEN = _("This scoring table is already frozen.")
FREEZE_HAS_PROBLEMS = _("The scoring table cannot be frozen until these problems are fixed:")
RUBRIC_EMPTY = _("The scoring table has no criteria yet.")
PARAMS_PROBLEM = _("“%(code)s”: %(error)s")

# Versions ---------------------------------------------------------------------------

NEW_VERSION_NOT_FROZEN = _(
    "Only a frozen scoring table gets a new version; until it is frozen, change it directly."
)
NEW_VERSION_EXISTS = _("This version has already been replaced by version %(version)s.")
CHANGE_NOTE_REQUIRED = _("Say what changes in the new version.")
NEW_VERSION_SUBJECT = _("Scoring table of %(cluster)s, %(year)s: new version %(version)s")
NEW_VERSION_BODY = _(
    "The scoring table “%(name)s” of %(cluster)s for %(year)s has a new version "
    "(version %(version)s), replacing version %(previous)s.\n\n"
    "What changed:\n%(note)s\n\n"
    "Scores already entered are carried to the new version where the criterion is "
    "unchanged; criteria that changed are flagged for review.\n\n"
    "%(link)s"
)

# Criteria ---------------------------------------------------------------------------

CODE_REQUIRED = _("Give the criterion a code (e.g. I, 1, a).")
CODE_TOO_LONG = _("The code is longer than %(limit)s characters.")
CODE_TAKEN = _("The code “%(code)s” is already used in this scoring table.")
TITLE_REQUIRED = _("Give the criterion a title.")
TITLE_TOO_LONG = _("The title is longer than %(limit)s characters.")
KIND_UNKNOWN = _("“%(kind)s” is not a criterion type.")
MAX_NEGATIVE = _("The maximum points cannot be negative.")
MAX_NOT_POSITIVE = _(
    "A criterion that gives or takes points needs a maximum above 0 (only a section or group "
    "may have 0)."
)
CRITERION_GONE = _("This criterion no longer exists (someone removed it); reload the page.")
PARAMS_NOT_OBJECT = _("The parameters must be a set of named values.")
GROUP_HAS_NO_PARAMS = _(
    "A section or group has no parameters: its points are the sum of its parts."
)
GROUP_HAS_PARTS = _(
    "“%(code)s” has criteria under it, so it must stay a section or group; move them out first."
)
PARENT_OTHER_RUBRIC = _("The section to add under belongs to another scoring table.")
PARENT_NOT_GROUP = _(
    "Criteria can only be added under a section or group, and “%(code)s” is not one."
)
AFTER_OTHER_PARENT = _("The criterion to add after is not in the chosen section.")
TARGET_ON_TEMPLATE = _(
    "A library template is not linked to a covenant: leave the target empty (it is chosen "
    "when a cluster uses the template)."
)
TARGET_OTHER_YEAR = _("The target must be one of the targets of this year's covenant.")
TARGET_NOT_FOR_KIND = _(
    "Only criteria scored against a target (ratio to the target, relative to the best "
    "unit) are linked to a target."
)
MOVE_ALREADY_FIRST = _("“%(code)s” is already the first at its level.")
MOVE_ALREADY_LAST = _("“%(code)s” is already the last at its level.")
MOVE_DIRECTION_UNKNOWN = _("“%(direction)s” is not a direction (up or down).")
INDENT_NOTHING_ABOVE = _("“%(code)s” has nothing above it at its level to go under.")
INDENT_ABOVE_NOT_GROUP = _(
    "“%(code)s” can go under “%(above)s” only if that is a section or group; change its type first."
)
OUTDENT_AT_TOP = _("“%(code)s” is already at the top level.")

# Excel import -----------------------------------------------------------------------

ROW_ERROR = _("Row %(row)s: %(message)s")
SHEET_ROW_ERROR = _("Sheet “%(sheet)s”, row %(row)s: %(message)s")
IMPORT_HAS_ERRORS = _("Nothing was imported: fix these rows and upload the file again.")
IMPORT_NO_ROWS = _("The sheet “%(sheet)s” has no criteria.")
IMPORT_CODE_EMPTY = _("the code is empty.")
IMPORT_CODE_TOO_LONG = _("the code “%(code)s” is longer than %(limit)s characters.")
IMPORT_CODE_TWICE = _("the code “%(code)s” is also in row %(other)s.")
IMPORT_TITLE_EMPTY = _("the title is empty.")
IMPORT_TITLE_TOO_LONG = _("the title is longer than %(limit)s characters.")
IMPORT_KIND_UNKNOWN = _("“%(value)s” is not a criterion type; use one of: %(kinds)s.")
IMPORT_NOT_A_NUMBER = _("“%(value)s” in “%(column)s” is not a number.")
IMPORT_NEGATIVE = _("“%(column)s” cannot be negative.")
IMPORT_TOO_MANY_DECIMALS = _("“%(value)s” in “%(column)s” has more than 2 decimal places.")
IMPORT_TOO_LARGE = _("“%(value)s” in “%(column)s” is too large.")
IMPORT_BAD_JSON = _(
    'the parameters are not valid JSON (write e.g. {"points_each": "5"}): %(error)s.'
)
IMPORT_JSON_NOT_OBJECT = _('the parameters must be a JSON object, e.g. {"points_each": "5"}.')
IMPORT_PARAMS = _("parameters: %(error)s")
IMPORT_UNKNOWN_PARENT = _("the parent code “%(parent)s” is not in the table.")
IMPORT_PARENT_NOT_GROUP = _("the parent “%(parent)s” (row %(other)s) is not a section or group.")
IMPORT_CIRCULAR = _("“%(code)s” is inside itself (its parents go round in a circle).")
IMPORT_OWN_PARENT = _("“%(code)s” cannot be its own parent.")
IMPORT_YES_NO = _("“%(value)s” in “%(column)s”: write x (yes) or leave it empty.")
IMPORT_TARGET_ON_TEMPLATE = _("a library template is not linked to covenant targets.")
IMPORT_TARGET_UNKNOWN = _("the target “%(target)s” is not in this year's covenant.")
IMPORT_TARGET_NOT_FOR_KIND = _("only criteria scored against a target are linked to one.")
IMPORT_SETTING_UNKNOWN = _("“%(value)s” is not a setting of the table.")
IMPORT_SCALE_NOT_POSITIVE = _("the total points must be greater than 0.")

# Activity log -----------------------------------------------------------------------

ACTION_AREAS = {
    "scoring.rubric": _("Scoring tables"),
    "scoring.criterion": _("Criteria of scoring tables"),
}
ACTION_LABELS = {
    "scoring.rubric.created": _("Scoring table created"),
    "scoring.rubric.template_created": _("Scoring table template created"),
    "scoring.rubric.updated": _("Scoring table settings changed"),
    "scoring.rubric.imported": _("Scoring table imported from Excel"),
    "scoring.rubric.frozen": _("Scoring table frozen"),
    "scoring.rubric.version_created": _("New version of the scoring table"),
    "scoring.rubric.members_notified": _("Member units told of the new scoring table"),
    "scoring.rubric.notification_failed": _("Could not e-mail the member units"),
    "scoring.criterion.added": _("Criterion added"),
    "scoring.criterion.updated": _("Criterion changed"),
    "scoring.criterion.deleted": _("Criterion removed"),
    "scoring.criterion.moved": _("Criterion moved"),
}
# The fields of a logged criterion (``scoring.services.criteria._state``) and its kind.
ACTION_FIELDS = {
    "code": _("code"),
    "title": _("title"),
    "kind": _("type"),
    "max_points": _("maximum points"),
    "params": _("parameters"),
    "guidance": _("guidance for units"),
    "evidence_required": _("evidence required"),
    "parent": _("criterion"),
    "order": _("order"),
    "points_each": _("Points each time"),
    "cap": _("Cap"),
    "extra_points_per_step": _("Extra points per step"),
    "step_percent": _("Step (%)"),
    "extra_cap": _("Cap on extra points"),
    "scale_total": _("total points"),
    "bonus_cap": _("bonus cap"),
    "deduction_cap": _("deduction cap"),
}
ACTION_VALUES = {("scoring.criterion", "kind"): CriterionKind.choices}
