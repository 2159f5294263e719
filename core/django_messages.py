"""Django's own form refusals that its Vietnamese catalogue leaves untranslated.

Marked here so that ``make messages`` puts them in the project catalogue, which takes
precedence over Django's; the Vietnamese is in locale/vi/pending/bad_input.json.
Found by tests/test_bad_input_forms.py (a NUL character typed in any text field, an
empty or foreign id ticked in a list of units, a short password).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_MESSAGES = (
    gettext_noop("Null characters are not allowed."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("Enter a complete value."),
    gettext_noop("Enter a valid duration."),
    gettext_noop("Enter a valid UUID."),
    gettext_noop("Enter a valid JSON."),
    # Django 5.2 changed this msgid ("%d"); its Vietnamese catalogue still has the old one.
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        9,
    ),
)
