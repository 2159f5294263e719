from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class ActionLogQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("The action log is append-only.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("The action log is append-only.")


class ActionLog(models.Model):
    """Who did what, when, to which object, and the values before and after.

    Append-only: rows are never updated or deleted (enforced here and, on
    PostgreSQL, by a trigger, so even a stray SQL statement cannot rewrite history).
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        # Accounts that acted are never deleted (deactivate them): history keeps its author.
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    # The organizer whose data this is (an id, so core/ stays free of domain models).
    scope_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = ActionLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("action log entry")
        verbose_name_plural = _("action log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise AppendOnlyError("The action log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("The action log is append-only.")


class JobState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Working")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def document_upload_to(instance: DocumentJob, filename: str) -> str:
    return f"documents/{instance.kind}/{instance.pk}/{filename}"


class DocumentJob(models.Model):
    """One document to produce in the background (a PDF, for now).

    The request creates the row and enqueues it on commit; the worker claims it,
    renders, stores the file with its SHA-256, and marks it done. The row is the
    truth: a lost queue message is re-sent from here, and a job that keeps failing
    stops after ``max_attempts`` with its error for the user to see.
    """

    State = JobState

    kind = models.CharField(_("kind"), max_length=50, db_index=True)
    # What the document is about: any model, so core/ stays free of domain models.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    scope_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to=document_upload_to, blank=True, max_length=300)
    filename = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    # Printed on the document with a QR code; the verification page looks it up.
    verification_code = models.CharField(max_length=20, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[choice.value for choice in JobState]),
                name="document_job_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class Notification(models.Model):
    """A message for one user in the application (the bell), also e-mailed.

    Written by ``core.notifications.notify`` on commit of the change it reports.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # A namespaced key like "scoring.period.opened", for filtering and tests.
    key = models.CharField(max_length=100, db_index=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(max_length=500, blank=True)
    scope_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.subject}"
