"""``Organizer.phase_stamp``: moved forward after every committed change the phase bar or
the to-do list of the organizer's users reads, so ``scoring.context_processors`` can
keep the bar's HTML under a key holding the stamp and never serve it stale.

- ``bump_phase(organizer_id)``: for writes that send no signal (``bulk_create``,
  queryset ``update``); the services that make them call it.
- ``connect_phase_stamp()`` (from ``ScoringConfig.ready``): a receiver on the save and
  delete of every model the bar and the to-do list read (``PHASE_MODELS``). A scorecard
  saved for its totals alone (every keystroke) does not count; entries are never read.

The UPDATE runs once the transaction commits (``transaction.on_commit``), outside the
services' transactions: no organizer row is locked while they hold theirs, and the
stamp moves only once the change is visible to the readers. One UPDATE per organizer
and commit, however many rows the transaction saved. A receiver finds the organizer
without a query: from the row itself or a parent already loaded with it, else the
UPDATE finds it through a join (``clusters__years__pk=…``).

The UPDATE waits while another transaction holds the organizer's row lock — the board's
unit import and the set-up services take it for their whole transaction, a few seconds
at the most: a vote or a signature made meanwhile answers that much later. It never
deadlocks (the statement runs alone, after its own transaction). A backup restore moves
stamps back to numbers already used, so ``core.backup.restore`` empties the cache.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save

from clusters.models import Cluster, ClusterYear, Membership, Organizer, Profile
from covenants.models import Covenant, Signature
from scoring.models import (
    AwardRules,
    Ballot,
    BallotVoter,
    ExplanationRequest,
    Nomination,
    NominationDocument,
    Nominee,
    Period,
    Scorecard,
)

# A scorecard save of these fields alone is the totals refreshed after an entry: the bar
# and the to-do list show no total.
TOTALS_ONLY = frozenset({"self_total", "final_total"})

# (lookup on Organizer, value): the organizer(s) to move forward.
Target = tuple[str, Any]


@dataclass(eq=False)
class _Batch:
    """The targets of one transaction's callbacks, waiting for its commit."""

    using: str
    pending: set[Target] = field(default_factory=set)

    def flush(self) -> None:
        """Every organizer the targets name moved forward once, in one UPDATE."""
        if not self.pending:
            return
        targets, self.pending = self.pending, set()
        values: dict[str, set[Any]] = defaultdict(set)
        for lookup, value in targets:
            values[lookup].add(value)
        organizers = Organizer.objects.using(self.using)
        # A subquery per lookup: one query joining them all would multiply the rows.
        named = reduce(
            or_,
            (
                Q(pk__in=found)
                if lookup == "pk"
                else Q(pk__in=organizers.filter(**{f"{lookup}__in": found}).values("pk"))
                for lookup, found in values.items()
            ),
        )
        organizers.filter(named).update(phase_stamp=F("phase_stamp") + 1)


@dataclass(eq=False)
class _Bump:
    """An on-commit callback: runs its batch's UPDATE, unless an earlier one of the
    same commit already has."""

    batch: _Batch

    def __call__(self) -> None:
        self.batch.flush()


def _bump(target: Target | None, using: str | None = None) -> None:
    if target is None or target[1] is None:
        return
    connection = transaction.get_connection(using)
    # Every call appends its own callback (a list append) to the batch of the
    # transaction's previous one: a batch is only reused while its callbacks wait for
    # the same commit (Django empties the list at commit and rollback), and whichever of
    # them runs first moves every target of the batch, so a callback dropped with a
    # savepoint's rollback loses nothing. Outside a transaction the callback runs at once.
    using = using or DEFAULT_DB_ALIAS
    pending = connection.run_on_commit
    last = pending[-1][1] if pending else None
    same = isinstance(last, _Bump) and last.batch.using == using
    batch = last.batch if same else _Batch(using)
    batch.pending.add(target)
    # robust: the data is committed whatever happens to the stamp; the bar's timeout
    # bounds how long it stays behind if the UPDATE fails.
    transaction.on_commit(_Bump(batch), using=using, robust=True)


def bump_phase(organizer_id: int | None, *, using: str | None = None) -> None:
    """Move the organizer's stamp forward once the current transaction commits."""
    _bump(("pk", organizer_id), using)


# Where each model's organizer is ---------------------------------------------------------


def _loaded(instance: Any, name: str) -> Any:
    """The related object ``name`` if it is already loaded (no query), else None."""
    related = instance._meta.get_field(name)
    return getattr(instance, name) if related.is_cached(instance) else None


def _of_cluster_year(cluster_year_id: int | None, loaded: ClusterYear | None) -> Target:
    if loaded is not None:
        cluster = _loaded(loaded, "cluster")
        if cluster is not None:
            return ("pk", cluster.organizer_id)
        return ("clusters__pk", loaded.cluster_id)
    return ("clusters__years__pk", cluster_year_id)


def _of_unit(instance: Any) -> Target:
    unit = _loaded(instance, "unit")
    if unit is not None:
        return ("pk", unit.organizer_id)
    return ("units__pk", instance.unit_id)


def _cluster_year(instance: ClusterYear) -> Target:
    return _of_cluster_year(instance.pk, instance)


def _own_organizer(instance: Any) -> Target:
    return ("pk", instance.organizer_id)


def _profile(instance: Profile) -> Target:
    if instance.organizer_id is not None:
        return ("pk", instance.organizer_id)
    return _of_unit(instance)


def _in_cluster_year(instance: Any) -> Target:
    return _of_cluster_year(instance.cluster_year_id, _loaded(instance, "cluster_year"))


def _signature(instance: Signature) -> Target:
    covenant = _loaded(instance, "covenant")
    if covenant is not None:
        return _in_cluster_year(covenant)
    if instance.unit_id is not None:
        return _of_unit(instance)
    return ("clusters__years__covenants__pk", instance.covenant_id)


def _explanation(instance: ExplanationRequest) -> Target:
    scorecard = _loaded(instance, "scorecard")
    if scorecard is not None:
        return _of_unit(scorecard)
    return ("units__scorecards__pk", instance.scorecard_id)


def _nomination_document(instance: NominationDocument) -> Target:
    nomination = _loaded(instance, "nomination")
    if nomination is not None:
        return ("pk", nomination.organizer_id)
    if instance.unit_id is not None:
        return _of_unit(instance)
    return ("clusters__years__nominations__pk", instance.nomination_id)


# Every model whose fields scoring.selectors.year_phase and .next_steps read (and the
# year dashboard the board's list comes from), with where its organizer is. Units are
# not here: the bar and the list show no unit's name.
PHASE_MODELS: dict[type, Any] = {
    Cluster: _own_organizer,  # its name heads the bar
    ClusterYear: _cluster_year,
    Membership: _own_organizer,
    Profile: _profile,  # the user's unit and role
    Covenant: _in_cluster_year,
    Signature: _signature,
    Period: _in_cluster_year,
    Scorecard: _of_unit,
    ExplanationRequest: _explanation,
    Ballot: _in_cluster_year,  # its result (decision) is a field of its own
    BallotVoter: _of_unit,  # the unit has voted
    Nomination: _own_organizer,
    Nominee: _of_unit,
    NominationDocument: _nomination_document,
    AwardRules: _own_organizer,  # the nomination deadline
}


def phase_changed(sender: Any, instance: Any, using: str | None = None, **kwargs: Any) -> None:
    """Signal receiver (post_save, post_delete) of ``PHASE_MODELS``."""
    if sender is Scorecard:
        fields = kwargs.get("update_fields")
        if fields is not None and fields <= TOTALS_ONLY:
            return
    _bump(PHASE_MODELS[sender](instance), using)


def connect_phase_stamp() -> None:
    for model in PHASE_MODELS:
        uid = f"scoring.phase_stamp.{model._meta.label}"
        post_save.connect(phase_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(phase_changed, sender=model, dispatch_uid=f"{uid}.delete")
