"""Points as Vietnamese officials type them: "10", "2,5", "1.000" (a thousand)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import nfc, vi_number

POINTS_INVALID = _("“%(value)s” is not a number of points (write e.g. 10, 2,5 or 1.000).")
POINTS_NEGATIVE = _("Points cannot be negative.")
POINTS_TOO_PRECISE = _("Points can have at most 2 decimal places.")
POINTS_TOO_LARGE = _("Points must be less than 1.000.000.")

_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_COMMA_NUMBER = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+),\d+$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
LIMIT = Decimal(1_000_000)
CENT = Decimal("0.01")


def parse_points(raw: Any) -> Decimal | None:
    """The number typed, or None when empty; ValidationError for anything else.

    "1.000" is a thousand (the dot separates thousands), "2,5" two and a half; a
    lone dot that cannot separate thousands ("2.5") is read as a decimal point.
    """
    text = nfc(str(raw if raw is not None else "")).replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    negative = text[0] in "-−"
    if text[0] in "+-−":
        text = text[1:]
    if _COMMA_NUMBER.match(text):
        plain = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(text):
        plain = text.replace(".", "")
    elif _PLAIN.match(text):
        plain = text
    else:
        raise forms.ValidationError(POINTS_INVALID, params={"value": raw}, code="invalid")
    try:
        value = Decimal(plain)
    except InvalidOperation as exc:  # pragma: no cover - the patterns exclude it
        raise forms.ValidationError(POINTS_INVALID, params={"value": raw}) from exc
    if negative and value != 0:
        raise forms.ValidationError(POINTS_NEGATIVE, code="negative")
    if value >= LIMIT:  # before quantize, which fails on 30 digits (InvalidOperation)
        raise forms.ValidationError(POINTS_TOO_LARGE, code="too_large")
    if value.quantize(CENT, rounding=ROUND_HALF_UP) != value:
        raise forms.ValidationError(POINTS_TOO_PRECISE, code="precision")
    return value


class PointsInput(forms.TextInput):
    """Shows a stored Decimal the Vietnamese way ("2,5", "1.000")."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return vi_number(value)
        return super().format_value(value)


class PointsField(forms.Field):
    widget = PointsInput

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, Decimal):
            return value
        return parse_points(value)

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != (
                self.to_python(initial) if initial is not None else None
            )
        except forms.ValidationError:
            return True
