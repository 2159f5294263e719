"""Who runs clusters, which units are in them each year, who heads them, and who
the people are.

Rights are never stored per object: ``clusters.roles`` derives them from a user's
profile and the cluster year in question.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import SortKeyField
from core.text import fold, nfc, vi_sort_key


class NamedQuerySet(models.QuerySet):
    def search(self, query: str):  # type: ignore[no-untyped-def]
        """Accent-free, case-free match on the name: "duc xuan" finds "Đức Xuân"."""
        needle = fold(query or "").strip()
        return self.filter(search_text__contains=needle) if needle else self

    def vi_ordered(self):  # type: ignore[no-untyped-def]
        return self.order_by("sort_key", "pk")


class NamedModel(models.Model):
    """A model with a Vietnamese name, stored in NFC, sortable and searchable."""

    name = models.CharField(_("name"), max_length=200)
    sort_key = SortKeyField(max_length=600, editable=False, db_index=True, default="")
    search_text = models.CharField(max_length=400, editable=False, db_index=True, default="")

    objects = NamedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.name = nfc(self.name)
        self.sort_key = vi_sort_key(self.name)
        self.search_text = self.extra_search_text()
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_key", "search_text"}
        super().save(*args, **kwargs)

    def extra_search_text(self) -> str:
        return fold(self.name)


class OrganizerLevel(models.TextChoices):
    CENTRAL = "central", _("Central")
    MINISTRY = "ministry", _("Ministry or central agency")
    PROVINCE = "province", _("Province or centrally-run city")
    CITY = "city", _("City, town or district (before 2025)")
    COMMUNE = "commune", _("Commune or ward")


class Organizer(NamedModel):
    """Whoever runs clusters: a province's council, a city's, a ministry's …"""

    Level = OrganizerLevel

    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent_body = models.CharField(
        _("parent body"),
        max_length=200,
        help_text=_("Printed above the issuing body in documents, e.g. UBND TỈNH BẮC NINH."),
    )
    issuing_body = models.CharField(
        _("issuing body"),
        max_length=200,
        help_text=_("e.g. HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"),
    )
    place_name = models.CharField(
        _("place name for dates"),
        max_length=100,
        help_text=_('Used in document date lines: "Bắc Ninh, ngày 17 tháng 3 năm 2023".'),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moved forward (never set) by scoring.phase_stamp after every committed change the
    # phase bar or the to-do list of the organizer's users reads: the bar's cache key.
    phase_stamp = models.PositiveBigIntegerField(
        _("phase stamp"),
        default=0,
        editable=False,
        help_text=_("Moves on whenever anything the phase bar shows changes."),
    )

    class Meta:
        ordering = ["sort_key"]
        verbose_name = _("organizer")
        verbose_name_plural = _("organizers")
        constraints = [
            models.UniqueConstraint(fields=["sort_key"], name="organizer_unique_name"),
            models.CheckConstraint(
                condition=Q(level__in=[choice.value for choice in OrganizerLevel]),
                name="organizer_level_valid",
            ),
        ]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # An organizer read before a bump and saved after it must not write its older
        # stamp back: the bar would find HTML cached under that stamp before the change.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "phase_stamp"
            ]
        super().save(*args, **kwargs)


class UnitKind(models.TextChoices):
    PROVINCE_DEPARTMENT = "department", _("Province department or agency")
    DISTRICT = "district", _("District (before 2025)")
    CITY = "city", _("City")
    TOWN = "town", _("Town")
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    PARTY_BODY = "party_body", _("Party or mass organisation body")
    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("School or public service unit")
    OTHER = "other", _("Other")


class Unit(NamedModel):
    """A member unit, with the dates it existed and its lineage (renames, merges, splits).

    Nothing is re-pointed after a merge: scores, signatures and awards stay on the
    unit that earned them; ``successors`` leads to whoever carries it on.
    """

    Kind = UnitKind

    organizer = models.ForeignKey(
        Organizer, verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="units"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=30, blank=True)
    valid_from = models.DateField(_("valid from"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    leader_title = models.CharField(
        _("leader's position"), max_length=120, blank=True, help_text=_("e.g. Chủ tịch UBND")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_key"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            # One current unit of a name per organizer ("Hòa"/"Hoà", any case, are one).
            models.UniqueConstraint(
                fields=["organizer", "sort_key"],
                condition=Q(valid_to__isnull=True),
                name="unit_unique_current_name",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in UnitKind]), name="unit_kind_valid"
            ),
        ]

    def extra_search_text(self) -> str:
        return fold(f"{self.name} {self.short_name} {self.code}")

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def is_valid_in_year(self, year: int) -> bool:
        return self.valid_from <= dt.date(year, 12, 31) and (
            self.valid_to is None or self.valid_to >= dt.date(year, 1, 1)
        )

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class LineageKind(models.TextChoices):
    RENAME = "rename", _("Rename")
    MERGE = "merge", _("Merge")
    SPLIT = "split", _("Split")


class UnitLineage(models.Model):
    """One edge of a unit's history: ``predecessor`` carried on as ``successor``."""

    Kind = LineageKind

    predecessor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="successor_links")
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessor_links")
    kind = models.CharField(_("kind of change"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("effective date"))
    decision = models.CharField(_("decision"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="lineage_unique_edge"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="lineage_not_self"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in LineageKind]),
                name="lineage_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()})"


class ClusterKind(models.TextChoices):
    CLUSTER = "cluster", _("Emulation cluster")
    BLOCK = "block", _("Emulation block")


class Cluster(NamedModel):
    Kind = ClusterKind

    organizer = models.ForeignKey(
        Organizer, verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="clusters"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CLUSTER)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_key"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        constraints = [
            models.UniqueConstraint(fields=["organizer", "sort_key"], name="cluster_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in ClusterKind]),
                name="cluster_kind_valid",
            ),
        ]


def decision_upload_to(instance: ClusterYear, filename: str) -> str:
    # A name of our making: nothing of the uploaded name but its (checked) extension.
    cluster = instance.cluster
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""
    name = f"quyet-dinh-{instance.year}-{secrets.token_hex(4)}{suffix}"
    return f"decisions/{cluster.organizer_id}/{cluster.pk}/{instance.year}/{name}"


class YearStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed (handed over)")


class HeadSelection(models.TextChoices):
    ROTATION = "rotation", _("Rotation in the agreed order")
    ELECTION = "election", _("Elected by the members")


class ClusterYear(models.Model):
    """A cluster in one year: its members, head and deputy, and the naming decision."""

    Status = YearStatus
    HeadSelection = HeadSelection

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.PROTECT, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    theme = models.TextField(_("theme of the year"), blank=True)
    head_unit = models.ForeignKey(
        Unit,
        verbose_name=_("head unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="headed_years",
    )
    deputy_unit = models.ForeignKey(
        Unit,
        verbose_name=_("deputy head unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deputy_years",
    )
    head_selection = models.CharField(
        _("how the head is chosen"),
        max_length=10,
        choices=HeadSelection.choices,
        default=HeadSelection.ROTATION,
    )
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_signer = models.CharField(_("signed by"), max_length=150, blank=True)
    decision_file = models.FileField(
        _("decision file"), upload_to=decision_upload_to, blank=True, max_length=300
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cluster__sort_key", "-year"]
        verbose_name = _("cluster year")
        verbose_name_plural = _("cluster years")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "year"], name="cluster_year_unique"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="cluster_year_range"
            ),
            models.CheckConstraint(
                condition=Q(head_unit__isnull=True)
                | Q(deputy_unit__isnull=True)
                | ~Q(head_unit=F("deputy_unit")),
                name="cluster_year_head_not_deputy",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in YearStatus]),
                name="cluster_year_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(head_selection__in=[choice.value for choice in HeadSelection]),
                name="cluster_year_head_selection_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster.name} — {self.year}"

    @property
    def organizer_id(self) -> int:
        return self.cluster.organizer_id

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


# Which status may follow which: the service checks this table, tests check it alone.
CLUSTER_YEAR_TRANSITIONS: dict[str, set[str]] = {
    ClusterYear.Status.OPEN: {ClusterYear.Status.CLOSED},
    ClusterYear.Status.CLOSED: {ClusterYear.Status.OPEN},
}


class Membership(models.Model):
    """A unit in a cluster for one year, at its place in the agreed (rotation) order.

    ``organizer`` and ``year`` repeat the cluster year's so the database itself
    refuses a unit in two clusters of one organizer in the same year.
    """

    cluster_year = models.ForeignKey(
        ClusterYear, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["cluster_year", "unit"], name="membership_unique_unit"),
            models.UniqueConstraint(
                fields=["unit", "organizer", "year"], name="membership_one_cluster_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_year}: {self.order}. {self.unit}"


class Profile(models.Model):
    """Where a user belongs: one organizer's board, or one unit (as officer or leader)."""

    class Role(models.TextChoices):
        BOARD = "board", _("Emulation board staff")
        OFFICER = "officer", _("Unit officer")
        LEADER = "leader", _("Unit leader")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    organizer = models.ForeignKey(
        Organizer,
        verbose_name=_("organizer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="board_profiles",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="profiles",
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="board") & Q(organizer__isnull=False) & Q(unit__isnull=True))
                | (
                    Q(role__in=["officer", "leader"])
                    & Q(unit__isnull=False)
                    & Q(organizer__isnull=True)
                ),
                name="profile_belongs_to_board_or_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    @property
    def home_organizer_id(self) -> int:
        """The organizer whose data this user works in."""
        return self.organizer_id if self.organizer_id else self.unit.organizer_id
