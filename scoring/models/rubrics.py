"""Scoring tables (rubrics): a tree of criteria with typed formulas.

A rubric belongs to a cluster year (adopted with the covenant) or, as a
template, to an organizer's library. Once scoring opens it is frozen; a change
after that is a new version (``previous``) with a change note.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear, Organizer
from covenants.models import Target
from scoring.formulas import CriterionKind

# Kinds that sit outside the total and are clamped by the rubric's caps.
OUTSIDE_TOTAL = {CriterionKind.BONUS, CriterionKind.DEDUCTION}


class Rubric(models.Model):
    Kind = CriterionKind

    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="rubrics")
    # Null for a template of the organizer's library.
    cluster_year = models.ForeignKey(
        ClusterYear, null=True, blank=True, on_delete=models.PROTECT, related_name="rubrics"
    )
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    change_note = models.TextField(_("what changed"), blank=True)
    scale_total = models.DecimalField(
        _("total points"),
        max_digits=8,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    bonus_cap = models.DecimalField(
        _("bonus cap"), max_digits=8, decimal_places=2, default=Decimal(0)
    )
    deduction_cap = models.DecimalField(
        _("deduction cap"), max_digits=8, decimal_places=2, default=Decimal(0)
    )
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organizer", "cluster_year", "-version"]
        verbose_name = _("scoring table")
        verbose_name_plural = _("scoring tables")
        constraints = [
            models.UniqueConstraint(
                fields=["cluster_year", "version"],
                condition=Q(cluster_year__isnull=False),
                name="rubric_unique_version_per_year",
            ),
            models.CheckConstraint(
                condition=Q(scale_total__gt=0) & Q(bonus_cap__gte=0) & Q(deduction_cap__gte=0),
                name="rubric_scale_and_caps_positive",
            ),
        ]

    def __str__(self) -> str:
        suffix = f" (v{self.version})" if self.version > 1 else ""
        return f"{self.name}{suffix}"

    @property
    def is_template(self) -> bool:
        return self.cluster_year_id is None

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Criterion(models.Model):
    """A node of the rubric: a section, a criterion or a sub-criterion.

    A group's maximum is the sum of its children's; a leaf has a scoring kind
    and its parameters (``params``, validated by ``scoring.formulas``).
    """

    Kind = CriterionKind

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(_("code"), max_length=30, help_text=_("e.g. I, 1, a, I.1.a"))
    title = models.CharField(_("title"), max_length=500)
    guidance = models.TextField(_("guidance for units"), blank=True)
    kind = models.CharField(
        _("type"), max_length=20, choices=CriterionKind.choices, default=CriterionKind.MANUAL
    )
    max_points = models.DecimalField(
        _("maximum points"), max_digits=8, decimal_places=2, default=Decimal(0)
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    # For target-based kinds: the covenant target whose per-unit value is T.
    target = models.ForeignKey(
        Target, null=True, blank=True, on_delete=models.PROTECT, related_name="criteria"
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_unique_code"),
            models.CheckConstraint(
                condition=Q(max_points__gte=0), name="criterion_max_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in CriterionKind]),
                name="criterion_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="criterion_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"
