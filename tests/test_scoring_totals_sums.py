"""The stored totals of a scorecard (``refresh_totals``: the database adds the points up in
one written-out statement) are exactly what ``totals_of`` works out in Python from the same
entries — to the cent, on SQLite (which adds decimals up as floats) as on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from scoring.models import Scorecard
from scoring.services.computation import (
    _sums,
    recompute_entries,
    refresh_totals,
    scorecard_entries,
    totals_of,
)
from tests.scoring_world import scoring_world

D = Decimal


def _enter(entry, **values):  # type: ignore[no-untyped-def]
    for name, value in values.items():
        setattr(entry, name, value)
    entry.save()
    refresh_totals(recompute_entries(entry.criterion, entry))


def test_stored_totals_match_the_python_totals_to_the_cent(world):  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    unit = world.member_unit
    card = sw.card(unit)
    # Cents that floats cannot hold: 0,1 + 0,2 is 0.30000000000000004 as floats.
    _enter(sw.entry(unit, "1"), points=D("0.1"))
    _enter(sw.entry(unit, "3"), achieved=D("0.2"))
    _enter(sw.entry(unit, "5"), count=3)
    _enter(sw.entry(unit, "B"), count=7)  # over the bonus cap of 5
    _enter(sw.entry(unit, "D"), count=1)
    entry = sw.entry(unit, "2")
    entry.passed = True
    entry.final_points = D("7.35")  # a verifier's decision counts in the final total
    entry.save()
    refresh_totals([card.pk])

    card = Scorecard.objects.select_related("period__rubric").get(pk=card.pk)
    expected = totals_of(card.period.rubric, scorecard_entries(card))
    assert card.self_total == expected.self.total
    assert card.final_total == expected.final.total
    assert card.self_total.as_tuple().exponent == -2  # cents, no float tail
    assert card.final_total != card.self_total  # the decision is in the final total only

    # The sums themselves, bucket by bucket: exact, in cents.
    entries = scorecard_entries(card)
    sums = _sums(card.pk, card.period.rubric_id)
    sections = [e for e in entries if e.criterion.kind not in ("bonus", "deduction")]
    assert sums["self_sections"] == sum((e.self_points or 0 for e in sections), D(0))
    assert sums["final_sections"] == sum((e.counted_points or 0 for e in sections), D(0))
    bonus = next(e for e in entries if e.criterion.kind == "bonus")
    deduction = next(e for e in entries if e.criterion.kind == "deduction")
    assert sums["self_bonus"] == bonus.self_points
    assert sums["self_deduction"] == deduction.self_points == D("2.00")
    assert {value.as_tuple().exponent for value in sums.values()} == {-2}
