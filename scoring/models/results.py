"""After the ranking: the organizer's vote and award rules, the deliberation meeting,
the cluster's nomination with its dossier, the board's decision and the public
disclosure of the proposed units.

- ``AwardRules``: one row per organizer (missing row = the defaults of domain.md §4):
  quorum, approval threshold and rounds of the secret ballot, award quotas per cluster.
- ``Deliberation``: the year-end meeting (họp bình xét) of a period — when, where, who
  chaired, who attended, what was concluded; its minutes are a PDF of the document engine.
- ``Nomination``: what a cluster proposes for a period (Tờ trình đề nghị khen thưởng):
  ``Nominee`` rows (the leading unit for the provincial flag, runners-up for certificates
  of merit) and ``NominationDocument`` rows (the dossier: rendered PDFs by job, files
  uploaded by the head or by the nominated units — achievement reports).
- ``Disclosure``: an optional window in which the proposed units of the organizer's
  year are shown to all members for comments (``DisclosureComment``, kept for good).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear, Organizer, Unit
from scoring.models.scorecards import Period

# Defaults of domain.md §4 when an organizer has no rules of its own.
DEFAULT_QUORUM = (2, 3)
DEFAULT_THRESHOLD = (1, 2)
DEFAULT_THRESHOLD_STRICT = True
DEFAULT_MAX_ROUNDS = 2
DEFAULT_FLAG_QUOTA = 1
DEFAULT_MERIT_QUOTA = 2


class AwardRules(models.Model):
    """The organizer's vote rules and award quotas per cluster (domain.md §4)."""

    organizer = models.OneToOneField(
        Organizer, on_delete=models.PROTECT, related_name="award_rules"
    )
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum (numerator)"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(_("quorum (denominator)"), default=3)
    threshold_numerator = models.PositiveSmallIntegerField(_("threshold (numerator)"), default=1)
    threshold_denominator = models.PositiveSmallIntegerField(
        _("threshold (denominator)"), default=2
    )
    threshold_strict = models.BooleanField(_("more than (not “at least”)"), default=True)
    max_rounds = models.PositiveSmallIntegerField(_("rounds at most"), default=2)
    flag_quota = models.PositiveSmallIntegerField(
        _("provincial flags per cluster"), default=DEFAULT_FLAG_QUOTA
    )
    merit_quota = models.PositiveSmallIntegerField(
        _("certificates of merit per cluster"), default=DEFAULT_MERIT_QUOTA
    )
    # Day and month of the yearly nomination deadline (Bắc Ninh: before 10 December).
    nomination_deadline_day = models.PositiveSmallIntegerField(
        _("nominations due by (day)"), default=10
    )
    nomination_deadline_month = models.PositiveSmallIntegerField(
        _("nominations due by (month)"), default=12
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("award rules")
        verbose_name_plural = _("award rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_denominator__gte=1)
                & Q(threshold_denominator__gte=1)
                & Q(quorum_numerator__lte=models.F("quorum_denominator"))
                & Q(threshold_numerator__lte=models.F("threshold_denominator"))
                & Q(max_rounds__gte=1),
                name="award_rules_fractions_valid",
            ),
            models.CheckConstraint(
                condition=Q(nomination_deadline_month__gte=1)
                & Q(nomination_deadline_month__lte=12)
                & Q(nomination_deadline_day__gte=1)
                & Q(nomination_deadline_day__lte=31),
                name="award_rules_deadline_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"award rules of {self.organizer_id}"


def rules_for(organizer: Organizer | int) -> AwardRules:
    """The organizer's saved rules, or an unsaved row holding the defaults."""
    organizer_id = organizer if isinstance(organizer, int) else organizer.pk
    found = AwardRules.objects.filter(organizer_id=organizer_id).first()
    return found or AwardRules(organizer_id=organizer_id)


class Deliberation(models.Model):
    """The year-end deliberation meeting of a period (họp bình xét)."""

    period = models.OneToOneField(Period, on_delete=models.PROTECT, related_name="deliberation")
    held_at = models.DateTimeField(_("meeting held at"))
    ended_at = models.DateTimeField(_("meeting ended at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300)
    chaired_by = models.CharField(_("chaired by"), max_length=200)
    secretary = models.CharField(_("secretary"), max_length=200)
    attendees = models.ManyToManyField(Unit, related_name="+", blank=True)
    guests = models.TextField(_("guests (board and others)"), blank=True)
    proceedings = models.TextField(_("proceedings"), blank=True)
    conclusions = models.TextField(_("conclusions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("deliberation meeting")
        verbose_name_plural = _("deliberation meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("held_at")),
                name="deliberation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"deliberation of period {self.period_id}"


class Nomination(models.Model):
    """A cluster's proposal for awards for a period, with its dossier."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        SUBMITTED = "submitted", _("Sent to the board")
        RETURNED = "returned", _("Returned by the board")
        ACCEPTED = "accepted", _("Accepted by the board")

    period = models.OneToOneField(Period, on_delete=models.PROTECT, related_name="nomination")
    # Denormalised for the board's lists (organizer × year) without joins.
    cluster_year = models.ForeignKey(
        ClusterYear, on_delete=models.PROTECT, related_name="nominations"
    )
    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    # The submission (Tờ trình): number and date as issued by the head unit.
    number = models.CharField(_("submission number"), max_length=60, blank=True)
    date = models.DateField(_("submission date"), null=True, blank=True)
    summary = models.TextField(_("summary of achievements"), blank=True)
    # Quotas in force when submitted (the rules may change later).
    flag_quota = models.PositiveSmallIntegerField(default=DEFAULT_FLAG_QUOTA)
    merit_quota = models.PositiveSmallIntegerField(default=DEFAULT_MERIT_QUOTA)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Why the board returned it (kept; the last one shows).
    return_reason = models.TextField(_("reason for returning"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organizer", "year", "cluster_year"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        indexes = [models.Index(fields=["organizer", "year", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned", "accepted"]),
                name="nomination_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"nomination {self.cluster_year_id}/{self.period_id}"


class Nominee(models.Model):
    """One unit proposed for one award."""

    class Award(models.TextChoices):
        FLAG = "flag", _("Emulation flag")
        MERIT = "merit", _("Certificate of merit")

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="nominees")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="nominations")
    award = models.CharField(_("award"), max_length=10, choices=Award.choices)
    # As found when proposed: rank in the published ranking, final total, votes.
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    votes = models.PositiveSmallIntegerField(null=True, blank=True)
    ballot = models.ForeignKey(
        "scoring.Ballot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)
    # Women-led or ≥ 70 % women (preferred when equally qualified; domain.md §4).
    women_preference = models.BooleanField(_("woman-led or at least 70 % women"), default=False)
    reason = models.TextField(_("grounds"), blank=True)

    class Meta:
        ordering = ["nomination", "award", "order", "pk"]
        verbose_name = _("nominee")
        verbose_name_plural = _("nominees")
        constraints = [
            models.UniqueConstraint(fields=["nomination", "unit"], name="nominee_once"),
            models.CheckConstraint(
                condition=Q(award__in=["flag", "merit"]), name="nominee_award_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} for {self.award}"


# The award as printed in documents, by the organizer's level (Law 06/2022: flags and
# certificates of merit are given by ministries and provinces; below them a council
# gives its own certificate, the Giấy khen, and proposes the flag upwards).
AWARD_WORDING = {
    "central": {
        "flag": "Cờ thi đua của Chính phủ",
        "merit": "Bằng khen của Thủ tướng Chính phủ",
    },
    "ministry": {
        "flag": "Cờ thi đua của Bộ, ban, ngành, đoàn thể Trung ương",
        "merit": "Bằng khen của Bộ trưởng, Thủ trưởng cơ quan Trung ương",
    },
    "province": {
        "flag": "Cờ thi đua của Ủy ban nhân dân tỉnh",
        "merit": "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
    },
    "city": {
        "flag": "Cờ thi đua",
        "merit": "Giấy khen của Chủ tịch Ủy ban nhân dân cấp huyện",
    },
    "commune": {
        "flag": "Cờ thi đua",
        "merit": "Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã",
    },
}


def award_wording(award: str, level: str) -> str:
    """The award's official Vietnamese wording for an organizer of ``level``."""
    return AWARD_WORDING.get(level, AWARD_WORDING["province"])[award]


def nomination_upload_to(instance: NominationDocument, filename: str) -> str:
    # Never the user's file name on disk: a random one keeps only the extension.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"nominations/{instance.nomination_id}/{uuid.uuid4().hex}.{suffix[:8]}"


class NominationDocument(models.Model):
    """One piece of the dossier: a rendered PDF (by job) or an uploaded file."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", _("Submission (tờ trình)")
        BALLOT_MINUTES = "ballot_minutes", _("Ballot-count minutes")
        DELIBERATION_MINUTES = "deliberation_minutes", _("Deliberation minutes")
        SCORE_SUMMARY = "score_summary", _("Score summary")
        ACHIEVEMENT_REPORT = "achievement_report", _("Achievement report")
        OTHER = "other", _("Other document")

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # The unit an achievement report is about.
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    # Either a rendered document of the engine …
    job = models.ForeignKey(
        "core.DocumentJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # … or an uploaded file (typed by content, like evidence).
    file = models.FileField(upload_to=nomination_upload_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["nomination", "kind", "created_at", "pk"]
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(job__isnull=False) | ~Q(file=""), name="nomination_document_has_content"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of nomination {self.nomination_id}"


class Disclosure(models.Model):
    """A window in which the organizer's proposed units are shown to all its members."""

    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    opens_at = models.DateTimeField(_("shown from"))
    closes_at = models.DateTimeField(_("comments until"))
    note = models.TextField(_("note to members"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organizer", "-year"]
        verbose_name = _("public disclosure")
        verbose_name_plural = _("public disclosures")
        constraints = [
            models.UniqueConstraint(fields=["organizer", "year"], name="disclosure_once_a_year"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="disclosure_closes_after"
            ),
        ]

    def __str__(self) -> str:
        return f"disclosure {self.organizer_id}/{self.year}"


class DisclosureComment(models.Model):
    """A comment on a proposed unit during the disclosure window. Never deleted."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="comments")
    nominee = models.ForeignKey(Nominee, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The author's unit when written (board staff have none).
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["disclosure", "nominee", "created_at", "pk"]
        verbose_name = _("disclosure comment")
        verbose_name_plural = _("disclosure comments")

    def __str__(self) -> str:
        return f"comment on {self.nominee_id}"
