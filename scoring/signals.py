"""Immutability of a final scorecard, held below the services.

Once a scorecard is FINALISED nothing on it changes: the services refuse first, and
``connect_final_guard`` (connected in ``ScoringConfig.ready``) refuses any save or
delete of one of its entries or of a verifier's proposal that slips past them. The
finalising service itself writes the last values (final points confirmed at
finalisation) inside ``finalising(scorecard_id)``, the one exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_delete, pre_save

from scoring.models import Entry, Review, Scorecard
from scoring.services.messages.verification import CARD_FINAL

# The scorecards whose finalisation is being written in this context.
_finalising: ContextVar[frozenset[int]] = ContextVar("scoring_finalising", default=frozenset())


@contextmanager
def finalising(scorecard_id: int) -> Iterator[None]:
    """Let the finalising service write this scorecard's last values."""
    token = _finalising.set(_finalising.get() | {scorecard_id})
    try:
        yield
    finally:
        _finalising.reset(token)


# The scorecards a service holds locked and has just found open for changes, in this
# context: the keystroke save (``services.scorecards.entry_save``) — the guard's query
# would only repeat what the service checked under the same lock.
_checked_open: ContextVar[frozenset[int]] = ContextVar("scoring_checked_open", default=frozenset())


@contextmanager
def checked_open(scorecard_id: int) -> Iterator[None]:
    """Saves of this scorecard's entries pass the guard unread: the caller holds the
    card's row lock and has checked that it is open (not final)."""
    token = _checked_open.set(_checked_open.get() | {scorecard_id})
    try:
        yield
    finally:
        _checked_open.reset(token)


def _scorecard_id_of(instance: Any) -> int | None:
    if isinstance(instance, Entry):
        return instance.scorecard_id
    if isinstance(instance, Review) and instance.entry_id is not None:
        entries = Entry.objects.filter(pk=instance.entry_id)
        return entries.values_list("scorecard_id", flat=True).first()
    return None


def refuse_if_final(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Signal receiver: nothing of a final scorecard is saved or deleted again."""
    scorecard_id = _scorecard_id_of(instance)
    if scorecard_id is None or scorecard_id in _finalising.get() | _checked_open.get():
        return
    if Scorecard.objects.filter(pk=scorecard_id, state=Scorecard.State.FINALISED).exists():
        raise ValidationError(CARD_FINAL, code="final")


GUARDED_MODELS = (Entry, Review)


def connect_final_guard() -> None:
    for model in GUARDED_MODELS:
        uid = f"scoring.final_guard.{model.__name__}"
        pre_save.connect(refuse_if_final, sender=model, dispatch_uid=f"{uid}.save")
        pre_delete.connect(refuse_if_final, sender=model, dispatch_uid=f"{uid}.delete")
