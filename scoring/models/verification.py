"""Verification: who checks a scorecard, what they proposed, what they asked.

The chain of a period (``Period.deputy_verifies``, ``cross_scoring``,
``board_criteria``, ``board_finalises``) decides who verifies. Head and deputy verify
every scorecard but their own unit's; with cross-scoring the head assigns each
scorecard to another member unit (``ReviewAssignment``) whose people propose points
too; the board appraises the criteria named in ``board_criteria``. A ``Review`` is one
proposal, kept for ever (a later one from the same verifier supersedes it on screen).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clusters.models import Unit
from scoring.models.scorecards import Entry, Evidence, Scorecard


class ReviewAssignment(models.Model):
    """Cross-scoring: a peer unit assigned to verify a scorecard."""

    class Method(models.TextChoices):
        MANUAL = "manual", _("Chosen by the head")
        AUTOMATIC = "automatic", _("Allocated automatically")

    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="assignments")
    reviewer_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="review_assignments"
    )
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.MANUAL)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cross-scoring assignment")
        verbose_name_plural = _("cross-scoring assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "reviewer_unit"], name="assignment_unique_reviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_unit} → {self.scorecard}"


class Review(models.Model):
    """A verifier's proposed points on one entry, with the reason when they differ."""

    class Role(models.TextChoices):
        HEAD = "head", _("Cluster head")
        DEPUTY = "deputy", _("Deputy head")
        PEER = "peer", _("Peer unit")
        BOARD = "board", _("Emulation board")

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="reviews")
    role = models.CharField(_("as"), max_length=10, choices=Role.choices)
    # The verifying unit (head, deputy or peer); null for the board.
    reviewer_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("proposed points"), max_digits=8, decimal_places=2)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["entry", "created_at", "pk"]
        verbose_name = _("verifier's proposal")
        verbose_name_plural = _("verifiers' proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["head", "deputy", "peer", "board"]),
                name="review_role_valid",
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="review_points_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.entry} = {self.points}"


class ExplanationRequest(models.Model):
    """A verifier returns a scorecard asking the unit to explain named criteria."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for the unit")
        ANSWERED = "answered", _("Answered")
        DECIDED = "decided", _("Decided")

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="explanation_requests"
    )
    entries = models.ManyToManyField(Entry, related_name="explanation_requests")
    question = models.TextField(_("what needs explaining"))
    deadline = models.DateTimeField(_("answer by"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_role = models.CharField(max_length=10, choices=Review.Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("explanation"), blank=True)
    answer_evidence = models.ManyToManyField(Evidence, related_name="explanations", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)

    class Meta:
        ordering = ["scorecard", "-created_at", "-pk"]
        verbose_name = _("request for explanation")
        verbose_name_plural = _("requests for explanation")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "answered", "decided"]),
                name="explanation_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard}: {self.question[:60]}"
