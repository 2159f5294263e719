"""People: accounts, their place (board or unit) and role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clusters.models import (
    Organizer,
    Profile,
    Unit,
)
from clusters.services.messages import (
    CANNOT_DEACTIVATE_SELF,
    ROLE_NEEDS_UNIT,
    USERNAME_TAKEN,
)
from core.audit import changes, log_action, snapshot
from core.text import nfc

# People -------------------------------------------------------------------------------

PROFILE_FIELDS = ["role", "organizer", "unit", "position", "phone"]


def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str,
    email: str = "",
    role: str,
    organizer: Organizer | None = None,
    unit: Unit | None = None,
    position: str = "",
    phone: str = "",
):  # type: ignore[no-untyped-def]
    user_model = get_user_model()
    if role != Profile.Role.BOARD and unit is None:
        raise ValidationError({"unit": ROLE_NEEDS_UNIT})
    if role == Profile.Role.BOARD:
        unit = None
    else:
        organizer = None
    full_name = nfc(full_name)
    first, _sep, last = full_name.rpartition(" ")
    candidate = user_model(username=username, first_name=first, last_name=last, email=email)
    validate_password(password, user=candidate)
    with transaction.atomic():
        if user_model.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                {"username": ValidationError(USERNAME_TAKEN, params={"username": username})}
            )
        try:
            user = user_model.objects.create_user(
                username=username, password=password, email=email, first_name=first, last_name=last
            )
        except IntegrityError as exc:
            raise ValidationError(
                {"username": ValidationError(USERNAME_TAKEN, params={"username": username})}
            ) from exc
        profile = Profile.objects.create(
            user=user, role=role, organizer=organizer, unit=unit, position=position, phone=phone
        )
        log_action(
            actor=actor,
            action="clusters.user.created",
            obj=user,
            scope_id=profile.home_organizer_id,
            data={
                "new": {
                    "username": username,
                    "full_name": full_name,
                    **snapshot(profile, PROFILE_FIELDS),
                }
            },
        )
    return user


def user_update(
    *, actor: Any, user: Any, full_name: str, email: str, is_active: bool, **profile_fields: Any
):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        _refuse_self_deactivation(actor=actor, user=user, is_active=is_active)
        profile = Profile.objects.select_for_update().get(user=user)
        before = {
            "full_name": user.get_full_name(),
            "email": user.email,
            "is_active": user.is_active,
            **snapshot(profile, PROFILE_FIELDS),
        }
        full_name = nfc(full_name)
        user.first_name, _sep, user.last_name = full_name.rpartition(" ")
        user.email = email
        user.is_active = is_active
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        if profile.role == Profile.Role.BOARD:
            profile.unit = None
        elif profile.unit is None:
            raise ValidationError({"unit": ROLE_NEEDS_UNIT})
        else:
            profile.organizer = None
        user.save(update_fields=["first_name", "last_name", "email", "is_active"])
        profile.save()
        after = {
            "full_name": user.get_full_name(),
            "email": user.email,
            "is_active": user.is_active,
            **snapshot(profile, PROFILE_FIELDS),
        }
        log_action(
            actor=actor,
            action="clusters.user.updated",
            obj=user,
            scope_id=profile.home_organizer_id,
            data=changes(before, after),
        )
    return user


def user_set_password(*, actor: Any, user: Any, password: str) -> None:
    validate_password(password, user=user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log_action(
            actor=actor,
            action="clusters.user.password_set",
            obj=user,
            scope_id=user.profile.home_organizer_id if hasattr(user, "profile") else None,
        )


# People: nobody deactivates their own account ------------------------------------------
# (Checked by ``user_update``: whoever manages accounts must not lock themselves out.)


def _refuse_self_deactivation(*, actor: Any, user: Any, is_active: bool) -> None:
    if user.is_active and not is_active and getattr(actor, "pk", None) == user.pk:
        raise ValidationError({"is_active": CANNOT_DEACTIVATE_SELF})
