"""Forms of the people screens: input validation only (the rules live in
``clusters.services``: user_create, user_update, user_set_password)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clusters.models import Profile, Unit
from clusters.services import ROLE_NEEDS_UNIT
from core.text import nfc

PASSWORDS_DIFFER = _("The two passwords differ.")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


def _check_unit(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Officers and leaders belong to a unit; board staff to none."""
    role = cleaned.get("role")
    if role and role != Profile.Role.BOARD and not cleaned.get("unit"):
        form.add_error("unit", ROLE_NEEDS_UNIT)
    if role == Profile.Role.BOARD:
        cleaned["unit"] = None


class PasswordPairMixin:
    """Two password fields that must agree and pass Django's password validators
    (their messages are shown under the first field)."""

    def _check_passwords(self, cleaned: dict[str, Any], user: Any) -> None:
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if not first or not second:
            return
        if first != second:
            self.add_error("password2", PASSWORDS_DIFFER)  # type: ignore[attr-defined]
            return
        try:
            validate_password(first, user=user)
        except ValidationError as exc:
            self.add_error("password1", exc)  # type: ignore[attr-defined]


def _password_fields() -> tuple[forms.CharField, forms.CharField]:
    return (
        forms.CharField(
            label=_("Password"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=password_validators_help_text_html(),
        ),
        forms.CharField(
            label=_("Password again"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


class PersonFieldsForm(forms.Form):
    """What the board records about a person, on creation and later."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Profile.Role.choices)
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_(
            "Required for unit officers and leaders; leave empty for board staff. "
            "Only units that exist today are listed."
        ),
    )
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _check_unit(self, cleaned)
        return cleaned

    def clean_full_name(self) -> str:
        return nfc(self.cleaned_data["full_name"])

    def clean_position(self) -> str:
        return nfc(self.cleaned_data["position"])

    def clean_phone(self) -> str:
        return " ".join(self.cleaned_data["phone"].split())


class UserCreateForm(PasswordPairMixin, PersonFieldsForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only; used to log in."),
    )
    password1, password2 = _password_fields()

    field_order = [
        "username", "full_name", "email", "role", "unit", "position", "phone",
        "password1", "password2",
    ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        full_name = cleaned.get("full_name", "")
        first, _sep, last = full_name.rpartition(" ")
        candidate = get_user_model()(
            username=cleaned.get("username", ""),
            first_name=first,
            last_name=last,
            email=cleaned.get("email", ""),
        )
        self._check_passwords(cleaned, candidate)
        return cleaned


class UserEditForm(PersonFieldsForm):
    is_active = forms.BooleanField(
        label=_("Active (can log in)"),
        required=False,
        help_text=_("An account is never deleted; deactivate it to stop its access."),
    )
    # Set by the confirmation step before an account is deactivated.
    confirm_deactivation = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(user: Any) -> dict[str, Any]:
        profile = user.profile
        return {
            "full_name": user.get_full_name(),
            "email": user.email,
            "role": profile.role,
            "unit": profile.unit,
            "position": profile.position,
            "phone": profile.phone,
            "is_active": user.is_active,
        }

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``services.user_update`` takes it."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "confirm_deactivation"
        }


class SetPasswordForm(PasswordPairMixin, forms.Form):
    password1, password2 = _password_fields()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._check_passwords(cleaned, self.user)
        return cleaned


class PeopleFilterForm(forms.Form):
    """The list's search box and filters (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Profile.Role.choices]
    )
    unit = UnitChoiceField(
        label=_("Unit"), required=False, queryset=Unit.objects.none(), empty_label=_("All units")
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
