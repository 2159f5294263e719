from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names
    when the form has that field, at the top of the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_text(error: ValidationError) -> str:
    """A service's refusal as one sentence, for a flash message."""
    return " ".join(str(message) for message in error.messages)


_DB_INTEGER_LIMIT = 2**63


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids beyond the database's integers with its
    "invalid choice" message: Django filters ``pk__in`` with them, which raises
    OverflowError on SQLite and a DataError on PostgreSQL (a server error)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            text = str(pk).strip().lstrip("+-")
            if text.isdecimal() and (len(text) > 19 or int(text) >= _DB_INTEGER_LIMIT):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)
