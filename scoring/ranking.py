"""Ranking a cluster's units by final total, with the cluster's tie-break order (pure:
no database). domain.md section 4: equal totals are separated by the higher score in
the first section, then by fewer deductions, then the members' vote decides.

``rank_units(rows, tie_breaks, section_codes)`` gives every unit a rank (equal ranks for
units still tied after every rule; the next rank skips: 1, 2, 2, 4) and, for each unit
tied on total, a sentence saying how the tie was settled. All comparisons are on
``Decimal``: 80.1 and 80.10 are equal, 80.1 and 80.09 are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.text import vi_number
from scoring.services.messages import ranking as msg

FIRST_SECTION = "first_section"
FEWER_DEDUCTIONS = "fewer_deductions"
VOTE = "vote"
TIE_BREAK_KEYS = (FIRST_SECTION, FEWER_DEDUCTIONS)
DEFAULT_TIE_BREAKS = [FIRST_SECTION, FEWER_DEDUCTIONS]
ZERO = Decimal(0)


@dataclass(frozen=True)
class UnitRow:
    """One unit's final scores: its total, each top-level section's points (in the
    rubric's order) and the deductions counted (a non-negative amount)."""

    unit_id: int
    name: str
    total: Decimal
    sections: tuple[Decimal, ...] = ()
    deduction: Decimal = ZERO


@dataclass
class RankedRow:
    row: UnitRow
    rank: int
    tied_on_total: list[str] = field(default_factory=list)  # other units' names
    vote_with: list[str] = field(default_factory=list)  # still tied after every rule
    explanation: str = ""

    @property
    def vote_decides(self) -> bool:
        return bool(self.vote_with)


def clean_tie_breaks(keys: Iterable[str] | None) -> list[str]:
    """The stored tie-break order: known keys, each once, "vote" dropped (it is always
    last, implicitly). Empty or None gives the default. Raises ValidationError."""
    keys = list(keys or [])
    if not keys:
        return list(DEFAULT_TIE_BREAKS)
    cleaned: list[str] = []
    for index, key in enumerate(keys):
        if key == VOTE:
            if index != len(keys) - 1:
                raise ValidationError(msg.TIE_BREAK_VOTE_LAST, code="vote_last")
            continue
        if key not in TIE_BREAK_KEYS:
            raise ValidationError(msg.TIE_BREAK_UNKNOWN, params={"key": key}, code="unknown")
        if key in cleaned:
            raise ValidationError(msg.TIE_BREAK_REPEATED, params={"key": key}, code="repeated")
        cleaned.append(key)
    return cleaned


def effective_tie_breaks(stored: Iterable[str] | None) -> list[str]:
    """The order a period applies: its stored list, or the default when empty.
    A stored list of only "vote" means: no rule, the vote decides straight away."""
    stored = list(stored or [])
    if stored == [VOTE]:
        return []
    return clean_tie_breaks(stored)


def _value(row: UnitRow, key: str) -> Decimal:
    if key == FIRST_SECTION:
        return row.sections[0] if row.sections else ZERO
    return row.deduction


def _sort_key(row: UnitRow, tie_breaks: Sequence[str]) -> tuple[Decimal, ...]:
    """Smaller is better: a higher total, a higher first section, fewer deductions."""
    parts = [-row.total]
    for key in tie_breaks:
        parts.append(-_value(row, key) if key == FIRST_SECTION else _value(row, key))
    return tuple(parts)


def _names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {_(str(msg.AND))} {names[-1]}"


def _step_words(tie_breaks: Sequence[str], first_code: str) -> str:
    steps = [_(str(msg.STEP_TOTAL))]
    for key in tie_breaks:
        if key == FIRST_SECTION:
            steps.append(_(str(msg.STEP_SECTION)) % {"section": first_code})
        else:
            steps.append(_(str(msg.STEP_DEDUCTIONS)))
    return _names(steps)


def _compare(
    mine: UnitRow, other: UnitRow, tie_breaks: Sequence[str], first_code: str
) -> str | None:
    """How ``mine`` stands against ``other`` (same total): the first rule that separates
    them, in words; None when no rule does."""
    for key in tie_breaks:
        a, b = _value(mine, key), _value(other, key)
        if a == b:
            continue
        words = {"unit": other.name, "mine": vi_number(a), "theirs": vi_number(b)}
        if key == FIRST_SECTION:
            template = msg.AHEAD_ON_SECTION if a > b else msg.BEHIND_ON_SECTION
            words["section"] = first_code
        else:
            template = msg.AHEAD_ON_DEDUCTIONS if a < b else msg.BEHIND_ON_DEDUCTIONS
        return _(str(template)) % words
    return None


def rank_units(
    rows: Iterable[UnitRow],
    tie_breaks: Iterable[str] | None = None,
    section_codes: Sequence[str] = (),
) -> list[RankedRow]:
    """Rank ``rows`` (best first). ``tie_breaks``: the period's stored order (validated;
    empty = the default); ``section_codes``: the top-level sections' codes, for the
    words ("section I")."""
    order = effective_tie_breaks(tie_breaks)
    first_code = section_codes[0] if section_codes else "1"
    ordered = sorted(rows, key=lambda row: (_sort_key(row, order), row.name, row.unit_id))
    keys = [_sort_key(row, order) for row in ordered]
    ranked: list[RankedRow] = []
    rank = 0
    for index, row in enumerate(ordered):
        if index == 0 or keys[index] != keys[index - 1]:
            rank = index + 1
        ranked.append(RankedRow(row=row, rank=rank))
    for item in ranked:
        same_total = [
            other.row for other in ranked if other is not item and other.row.total == item.row.total
        ]
        if not same_total:
            continue
        item.tied_on_total = [other.name for other in same_total]
        parts = [
            _(str(msg.TIED_ON_TOTAL))
            % {"total": vi_number(item.row.total), "units": _names(item.tied_on_total)}
        ]
        still: list[str] = []
        for other in same_total:
            words = _compare(item.row, other, order, first_code)
            if words is None:
                still.append(other.name)
            else:
                parts.append(words)
        if still:
            item.vote_with = still
            parts.append(
                _(str(msg.VOTE_DECIDES))
                % {"units": _names(still), "steps": _step_words(order, first_code)}
            )
        item.explanation = "; ".join(parts) + "."
    return ranked
