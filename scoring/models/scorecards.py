"""Scoring periods, scorecards, entries, evidence and the history of every value.

A period (year-end, optionally mid-year) of a cluster year scores every member unit
against the year's frozen rubric: opening it creates one ``Scorecard`` per member unit
and one ``Entry`` per leaf criterion. Entries hold the unit's inputs (achieved value,
points, pass/fail or count, per the criterion's kind); ``scoring.formulas`` turns them
into points. Verifiers' proposals are ``Review`` rows (verification.py); the final points
are on the entry. Nothing a unit submitted is ever deleted: evidence is withdrawn, not
removed, and every value ever entered stays in ``EntryHistory``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear, Unit
from core.models import AppendOnlyError
from scoring.models.rubrics import Criterion, Rubric


class Period(models.Model):
    class Kind(models.TextChoices):
        MID_YEAR = "mid_year", _("Mid-year review")
        YEAR_END = "year_end", _("Year-end review")

    class State(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        OPEN = "open", _("Scoring open")
        CLOSED = "closed", _("Closed")

    cluster_year = models.ForeignKey(ClusterYear, on_delete=models.PROTECT, related_name="periods")
    kind = models.CharField(_("period"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    # The frozen rubric scored against; set when the period opens, moved to a new
    # version when one is frozen while the period is open (entries carried over).
    rubric = models.ForeignKey(
        Rubric, null=True, blank=True, on_delete=models.PROTECT, related_name="periods"
    )
    self_deadline = models.DateTimeField(_("self-scoring deadline"))
    verification_deadline = models.DateTimeField(_("verification deadline"))
    explanation_deadline = models.DateTimeField(_("explanations deadline"))
    # The verification chain (domain.md section 4; default: head and deputy).
    deputy_verifies = models.BooleanField(_("the deputy head verifies too"), default=True)
    cross_scoring = models.BooleanField(_("cross-scoring by peer units"), default=False)
    # Codes of the criteria the board appraises itself (e.g. deductions).
    board_criteria = models.JSONField(
        _("criteria appraised by the board"), default=list, blank=True
    )
    board_finalises = models.BooleanField(_("the board finalises after the head"), default=False)
    # Tie-break order for equal totals (issue 6; scoring.ranking); empty = the default
    # of domain.md: higher first section, then fewer deductions, then the vote.
    tie_breaks = models.JSONField(_("tie-break order"), default=list, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Until results are published a unit sees only its own scorecard (issue 6 publishes).
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cluster_year", "kind"]
        verbose_name = _("scoring period")
        verbose_name_plural = _("scoring periods")
        constraints = [
            models.UniqueConstraint(
                fields=["cluster_year", "kind"], name="period_unique_kind_per_year"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["mid_year", "year_end"]), name="period_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "open", "closed"]), name="period_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(rubric__isnull=False),
                name="period_open_has_rubric",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.cluster_year}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Scorecard(models.Model):
    """One member unit's scores in one period."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Self-scoring")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for explanation")
        VERIFIED = "verified", _("Verified by the head")
        FINALISED = "finalised", _("Final")

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="scorecards")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="scorecards")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    # Totals cached from the entries, recomputed in the transaction that changes one.
    self_total = models.DecimalField(
        _("self-assessed total"), max_digits=10, decimal_places=2, default=Decimal(0)
    )
    final_total = models.DecimalField(
        _("final total"), max_digits=10, decimal_places=2, default=Decimal(0)
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The board let this unit score after the deadline, until this moment.
    reopened_until = models.DateTimeField(_("reopened until"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    head_finalised_at = models.DateTimeField(null=True, blank=True)
    head_finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "unit__sort_key"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="scorecard_unique_unit"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned", "verified", "finalised"]),
                name="scorecard_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.period}"

    @property
    def is_final(self) -> bool:
        return self.state == self.State.FINALISED

    @property
    def inflation(self) -> Decimal:
        """How far the unit's own total was above the final one (issue 5)."""
        return self.self_total - self.final_total


S = Scorecard.State
# Which state may follow which (tested on its own, tests/test_scoring_transitions.py).
SCORECARD_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.RETURNED, S.VERIFIED, S.FINALISED}),
    S.RETURNED: frozenset({S.SUBMITTED}),
    S.VERIFIED: frozenset({S.RETURNED, S.FINALISED}),
    S.FINALISED: frozenset(),
}


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name never reuses the uploaded name (kept in original_name).
    return f"scoring/evidence/{instance.scorecard_id}/{instance.sha256[:16]}{_suffix(filename)}"


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    suffix = filename[dot:].lower() if dot > 0 else ""
    return suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""


class Evidence(models.Model):
    """A file, or a reference to an official document, backing some entries."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        DOCUMENT = "document", _("Official document")

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="evidence_items"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("description"), max_length=300, blank=True)
    file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    doc_number = models.CharField(_("document number"), max_length=60, blank=True)
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    doc_issuer = models.CharField(_("issued by"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Never deleted: withdrawn evidence stays in the record, hidden from new links.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["scorecard", "created_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="file") & ~Q(file="")) | (Q(kind="document") & ~Q(doc_number="")),
                name="evidence_file_or_document",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.DOCUMENT:
            return self.doc_number + (f" — {self.title}" if self.title else "")
        return self.title or self.original_name


class Entry(models.Model):
    """A unit's inputs and points on one leaf criterion of its scorecard."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="entries")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="entries")
    # The unit's inputs; which ones count depends on the criterion's kind.
    achieved = models.DecimalField(
        _("achieved"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("met"), null=True, blank=True)
    count = models.PositiveIntegerField(_("count"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # What the formula gave for the unit's inputs (None: nothing entered yet) and how.
    target_used = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    self_points = models.DecimalField(
        _("self-assessed points"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    self_explanation = models.TextField(blank=True)
    # The verifiers' decision; None until someone decided (the self points then count).
    final_points = models.DecimalField(
        _("final points"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    final_reason = models.TextField(_("reason"), blank=True)
    final_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    final_at = models.DateTimeField(null=True, blank=True)
    # Carried from an earlier rubric version whose criterion changed: look again.
    needs_review = models.BooleanField(_("to review after a rubric change"), default=False)
    # Optimistic locking: a save names the version it started from.
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    evidence = models.ManyToManyField(
        Evidence, through="EntryEvidence", related_name="entries", blank=True
    )

    class Meta:
        ordering = ["scorecard", "criterion__order", "pk"]
        verbose_name = _("score entry")
        verbose_name_plural = _("score entries")
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"], name="entry_unique_criterion"
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0),
                name="entry_points_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} · {self.criterion.code}"

    @property
    def counted_points(self) -> Decimal | None:
        """The points that count: the verifiers' decision, else the unit's own."""
        return self.final_points if self.final_points is not None else self.self_points


class EntryEvidence(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="evidence_links")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="entry_links")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "evidence"], name="entry_evidence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} ← {self.evidence_id}"


class EntryHistoryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("The score history is append-only.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("The score history is append-only.")


class EntryHistory(models.Model):
    """Every value ever entered on an entry: who, when, old → new and why."""

    class Source(models.TextChoices):
        SELF = "self", _("Self-scoring")
        REVIEW = "review", _("Verifier's proposal")
        FINAL = "final", _("Decision")
        EXPLANATION = "explanation", _("Explanation")
        CARRIED = "carried", _("Carried to a new rubric version")
        RECOMPUTED = "recomputed", _("Recomputed against the cluster's best")

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="history")
    source = models.CharField(max_length=12, choices=Source.choices)
    field = models.CharField(max_length=30)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = EntryHistoryQuerySet.as_manager()

    class Meta:
        ordering = ["entry", "created_at", "pk"]
        verbose_name = _("score history")
        verbose_name_plural = _("score history")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.field}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise AppendOnlyError("The score history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("The score history is append-only.")


class ReminderSent(models.Model):
    """A deadline reminder already sent, so the daily beat task sends each once."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="reminders")
    deadline = models.CharField(max_length=20)  # "self", "verification", "explanation"
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "deadline", "days_before"], name="reminder_sent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.deadline} −{self.days_before}"
