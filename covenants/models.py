"""The covenant (giao ước thi đua) a cluster signs for its year, and its targets.

A covenant is a version: an amendment after signing is a new version (with
``amended_from``) that must be signed again; the signed one stays as it was.
Content may change only while the covenant is a draft or circulated for
comments (``Covenant.is_editable``); services enforce it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear, Unit


class CovenantState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CIRCULATED = "circulated", _("Circulated for comments")
    ADOPTED = "adopted", _("Adopted at the conference")
    SIGNING = "signing", _("Signing")
    SIGNED = "signed", _("Signed")


# Which state may follow which; the services check this table, tests check it alone.
COVENANT_TRANSITIONS: dict[str, set[str]] = {
    CovenantState.DRAFT: {CovenantState.CIRCULATED},
    CovenantState.CIRCULATED: {CovenantState.DRAFT, CovenantState.ADOPTED},
    CovenantState.ADOPTED: {CovenantState.SIGNING, CovenantState.CIRCULATED},
    CovenantState.SIGNING: {CovenantState.SIGNED},
    CovenantState.SIGNED: set(),
}
EDITABLE_STATES = {CovenantState.DRAFT, CovenantState.CIRCULATED}


class Covenant(models.Model):
    State = CovenantState

    cluster_year = models.ForeignKey(
        ClusterYear, on_delete=models.PROTECT, related_name="covenants"
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amended_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendment"
    )
    amendment_reason = models.TextField(_("reason for the amendment"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=CovenantState.choices, default=CovenantState.DRAFT
    )
    # Document header and legal bases.
    number = models.CharField(
        _("document number"), max_length=60, blank=True, help_text=_("e.g. 01/GƯTĐ-CTĐ")
    )
    title = models.CharField(_("title"), max_length=300)
    theme = models.TextField(_("theme of the year"), blank=True)
    legal_bases = models.TextField(
        _("legal bases"),
        blank=True,
        help_text=_("One per line, e.g. Kế hoạch số 21/KH-UBND ngày 30/01/2023 của UBND tỉnh."),
    )
    preamble = models.TextField(_("opening text"), blank=True)
    closing = models.TextField(_("closing commitment"), blank=True)
    # The conference where it is adopted and signed.
    conference_date = models.DateField(_("conference date"), null=True, blank=True)
    conference_place = models.CharField(_("conference venue"), max_length=200, blank=True)
    place_name = models.CharField(
        _("place name for the date line"),
        max_length=100,
        blank=True,
        help_text=_('Printed as "Lương Tài, ngày 17 tháng 3 năm 2023".'),
    )
    chair_name = models.CharField(_("chaired by"), max_length=150, blank=True)
    chair_position = models.CharField(_("chair's position"), max_length=200, blank=True)
    needs_witness = models.BooleanField(_("a board representative signs as witness"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cluster_year", "-version"]
        verbose_name = _("covenant")
        verbose_name_plural = _("covenants")
        constraints = [
            models.UniqueConstraint(
                fields=["cluster_year", "version"], name="covenant_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in CovenantState]),
                name="covenant_state_valid",
            ),
        ]

    def __str__(self) -> str:
        suffix = f" (v{self.version})" if self.version > 1 else ""
        return f"{self.title}{suffix}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class CovenantSection(models.Model):
    """One commitment section, in order (Về kinh tế …)."""

    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(_("order"))
    heading = models.CharField(_("heading"), max_length=300)
    body = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.heading


class ConferenceGuest(models.Model):
    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="guests")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("full name"), max_length=150)
    position = models.CharField(_("position"), max_length=300, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class AdoptedDocument(models.Model):
    """A document adopted with the covenant (regulations, criteria, scoring table)."""

    class Kind(models.TextChoices):
        REGULATIONS = "regulations", _("Operating regulations")
        CRITERIA = "criteria", _("Scoring criteria")
        SCORING_TABLE = "scoring_table", _("Scoring table")
        OTHER = "other", _("Other document")

    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(
        _("file"), upload_to="covenants/adopted/%Y/", blank=True, max_length=300
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    """A numeric target (chỉ tiêu) with a value per member unit."""

    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="targets")
    order = models.PositiveSmallIntegerField(_("order"))
    indicator = models.CharField(_("indicator"), max_length=400)
    measure = models.CharField(
        _("unit of measure"), max_length=60, blank=True, help_text=_("e.g. xã, %, tỷ đồng")
    )
    carried_into_scoring = models.BooleanField(_("carried into scoring"), default=False)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.indicator


class TargetValue(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="values")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="target_values")
    value = models.DecimalField(
        _("target value"), max_digits=16, decimal_places=4, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "unit"], name="target_value_unique_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.target} — {self.unit}: {self.value}"


class Signature(models.Model):
    """A unit's signature on one covenant version (or a board witness's)."""

    class Method(models.TextChoices):
        IN_APP = "in_app", _("Signed in the application")
        TOKEN_UPLOAD = "token_upload", _("Copy signed with a USB token, uploaded")

    covenant = models.ForeignKey(Covenant, on_delete=models.PROTECT, related_name="signatures")
    # The member unit signing; null for the board's witness.
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="covenant_signatures"
    )
    is_witness = models.BooleanField(default=False)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # As signed: these stay even if the person's account changes later.
    # The signer's full name as signed: a user's first and last names (150 each) and a space.
    signer_name = models.CharField(_("full name"), max_length=301)
    signer_position = models.CharField(_("position"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=15, choices=Method.choices, default=Method.IN_APP)
    file = models.FileField(upload_to="covenants/token-signed/%Y/", blank=True, max_length=300)
    validation = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["covenant", "unit"],
                condition=Q(unit__isnull=False),
                name="signature_one_per_unit",
            ),
            models.UniqueConstraint(
                fields=["covenant"], condition=Q(is_witness=True), name="signature_one_witness"
            ),
            models.CheckConstraint(
                condition=(Q(is_witness=True) & Q(unit__isnull=True))
                | (Q(is_witness=False) & Q(unit__isnull=False)),
                name="signature_unit_or_witness",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} — {self.unit or _('witness')}"


class CovenantComment(models.Model):
    """A member's comment on the draft, before adoption."""

    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(
        CovenantSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(_("taken into account"), default=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
