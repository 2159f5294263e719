"""Secret ballots (bỏ phiếu kín) for the leading unit and the certificates of merit.

Who voted and what was voted live in two tables that nothing joins:

- ``BallotVoter`` says that a unit (through its leader) has voted, and when;
- ``CastBallot`` holds one anonymous ballot: the chosen candidates (or an abstention)
  and the hash of the receipt code the voting unit was shown once.

``CastBallot`` has no voter, unit, user or time column and a random UUID key, so
neither a column, a join nor the key order links a ballot to its voter. The service
also rewrites a ballot's cast rows in random order at every vote
(``scoring.services.ballots``), so their physical order and transaction stamp on
PostgreSQL do not point at a voter either.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear, Unit
from scoring.models.scorecards import Period


def ballot_salt() -> str:
    return secrets.token_hex(16)


class Ballot(models.Model):
    class Purpose(models.TextChoices):
        LEADING_UNIT = "leading_unit", _("Leading unit of the cluster")
        MERIT = "merit", _("Certificates of merit")

    class State(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        OPEN = "open", _("Voting open")
        CLOSED = "closed", _("Closed")

    cluster_year = models.ForeignKey(ClusterYear, on_delete=models.PROTECT, related_name="ballots")
    period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    max_rounds = models.PositiveSmallIntegerField(_("at most this many rounds"), default=2)
    # The round this one repeats (round 2 follows round 1 without a winner).
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_round"
    )
    candidates = models.ManyToManyField(Unit, related_name="ballot_candidacies")
    choose_at_most = models.PositiveSmallIntegerField(_("choose at most"), default=1)
    # Quorum: at least numerator/denominator of the member units return a ballot.
    quorum_numerator = models.PositiveSmallIntegerField(default=2)
    quorum_denominator = models.PositiveSmallIntegerField(default=3)
    # Approval: votes of more than (strict) or at least the fraction of member units.
    threshold_numerator = models.PositiveSmallIntegerField(default=1)
    threshold_denominator = models.PositiveSmallIntegerField(default=2)
    threshold_strict = models.BooleanField(_("more than (not “at least”)"), default=True)
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    # Salt of the receipt hashes (sha256 of salt + code).
    salt = models.CharField(max_length=32, default=ballot_salt, editable=False)
    # The count, written once at closing; empty before.
    result = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cluster_year", "purpose", "round", "pk"]
        verbose_name = _("secret ballot")
        verbose_name_plural = _("secret ballots")
        constraints = [
            models.CheckConstraint(
                condition=Q(round__gte=1) & Q(round__lte=models.F("max_rounds")),
                name="ballot_round_in_range",
            ),
            models.CheckConstraint(condition=Q(choose_at_most__gte=1), name="ballot_choose_min"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="ballot_closes_after_opens"
            ),
            models.CheckConstraint(
                condition=Q(quorum_denominator__gte=1)
                & Q(threshold_denominator__gte=1)
                & Q(quorum_numerator__lte=models.F("quorum_denominator"))
                & Q(threshold_numerator__lte=models.F("threshold_denominator")),
                name="ballot_fractions_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "open", "closed"]), name="ballot_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.cluster_year} ({self.round})"


class BallotVoter(models.Model):
    """WHO voted: one row per member unit that returned its ballot."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="voters")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    voted_at = models.DateTimeField()
    voted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["ballot", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "unit"], name="ballot_one_vote_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} voted in {self.ballot}"


class CastBallot(models.Model):
    """WHAT was voted: one anonymous ballot. No voter, unit, user or time on purpose."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="cast_ballots")
    # Ids of the chosen candidate units, sorted.
    choices = models.JSONField(default=list, blank=True)
    abstain = models.BooleanField(default=False)
    receipt_hash = models.CharField(max_length=64)

    class Meta:
        # Never in insertion order: there is none to show.
        ordering = ["ballot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "receipt_hash"], name="ballot_receipt_unique"
            ),
        ]

    def __str__(self) -> str:
        return "ballot paper"
