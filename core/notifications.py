"""In-app notifications (the bell) and their e-mail copies.

A service calls ``notify(...)`` inside its transaction; the rows and the e-mails are
written only once that transaction commits, so a refused or rolled-back change never
tells anybody anything. Texts are rendered in the site's language (Vietnamese) at that
moment: pass lazy messages and their parameters. A mail failure is logged, never
raised: the change it reports is already saved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from core.models import Notification

logger = logging.getLogger(__name__)


def absolute_link(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def deliver(
    *,
    user_ids: Iterable[int],
    key: str,
    subject: Any,
    body: Any = "",
    params: Mapping[str, Any] | None = None,
    link: str = "",
    scope_id: int | None = None,
    email: bool = True,
) -> int:
    """Write the notifications and send the e-mails now (no transaction needed).
    Returns how many users were notified."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))
    values = dict(params or {})
    with translation.override(settings.LANGUAGE_CODE):
        subject_text = str(subject) % values if values else str(subject)
        body_text = str(body) % values if values and body else str(body)
    subject_text = subject_text.replace("\n", " ")[:300]
    Notification.objects.bulk_create(
        Notification(
            user=user,
            key=key,
            subject=subject_text,
            body=body_text,
            link=link,
            scope_id=scope_id,
        )
        for user in users
    )
    addresses = sorted({user.email.strip() for user in users if user.email and user.email.strip()})
    if email and addresses:
        text = body_text
        if link:
            text = f"{text}\n\n{absolute_link(link)}" if text else absolute_link(link)
        message = EmailMessage(subject=subject_text, body=text, to=[], bcc=addresses)
        try:
            message.send(fail_silently=False)
        except Exception:  # a mail failure must not undo a saved change
            logger.exception("could not e-mail notification %s", key)
    return len(users)


def notify(**kwargs: Any) -> None:
    """``deliver(**kwargs)`` once the current transaction commits."""
    kwargs["user_ids"] = list(kwargs.get("user_ids") or [])
    transaction.on_commit(lambda: deliver(**kwargs))


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given)."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())
