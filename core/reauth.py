"""Re-authentication before the acts that bind a unit: casting its vote and finalising
a scorecard (signing a covenant asks for the password every time, in
``covenants.services.signing``).

A correct password stamps the session; for ``REAUTH_MINUTES`` after it the user is not
asked again, so a head finalising a cluster's scorecards one after another types it
once. A wrong password is written to the activity log; after ``FAILED_LIMIT`` of them
within ``FAILED_WINDOW`` the account must wait (the login page has its own lock).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import log_action
from core.models import ActionLog

SESSION_KEY = "reauth_at"
FAILED_ACTION = "core.reauth.failed"
FAILED_LIMIT = 5
FAILED_WINDOW = dt.timedelta(minutes=15)

PASSWORD_LABEL = _("Your password, to confirm it is you")
PASSWORD_REQUIRED = _("Enter your password to confirm it is you.")
PASSWORD_WRONG = _("The password is not correct: nothing was done.")
TOO_MANY_ATTEMPTS = _(
    "Too many wrong passwords: wait %(minutes)s minutes, then try again. Nothing was done."
)


def window() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "REAUTH_MINUTES", 10))


def recently_confirmed(request: HttpRequest) -> bool:
    """True when the user typed their password again within the window."""
    stamp = request.session.get(SESSION_KEY)
    if not isinstance(stamp, int | float):
        return False
    return 0 <= time.time() - stamp <= window().total_seconds()


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def confirm_password(
    request: HttpRequest,
    password: str | None,
    *,
    purpose: str,
    obj: Any = None,
    scope_id: int | None = None,
) -> None:
    """Pass when the window is open or ``password`` is the user's; otherwise raise a
    ``ValidationError`` on the ``password`` field (nothing else is written but the
    failed attempt)."""
    if recently_confirmed(request):
        return
    user = request.user
    since = timezone.now() - FAILED_WINDOW
    failures = ActionLog.objects.filter(
        actor=user, action=FAILED_ACTION, created_at__gte=since
    ).count()
    if failures >= FAILED_LIMIT:
        raise ValidationError(
            {
                "password": ValidationError(
                    TOO_MANY_ATTEMPTS,
                    code="too_many_attempts",
                    params={"minutes": int(FAILED_WINDOW.total_seconds() // 60)},
                )
            }
        )
    if not password:
        raise ValidationError({"password": ValidationError(PASSWORD_REQUIRED, code="required")})
    if user.check_password(password):
        request.session[SESSION_KEY] = time.time()
        return
    log_action(
        actor=user,
        action=FAILED_ACTION,
        obj=obj,
        scope_id=scope_id,
        data={"confirming": purpose},
        ip_address=_ip(request),
    )
    raise ValidationError({"password": ValidationError(PASSWORD_WRONG, code="password")})


def password_field() -> forms.CharField:
    """The field a confirmation form adds when the window is closed."""
    return forms.CharField(
        label=PASSWORD_LABEL,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
