from decimal import Decimal

from scoring.models import Entry, Scorecard
from scoring.services.computation import recompute_entries, refresh_totals
from tests.scoring_world import scoring_world


def test_opening_creates_cards_and_entries_and_computes(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sw = scoring_world(world)
    assert sw.rubric.is_frozen
    assert Scorecard.objects.filter(period=sw.period).count() == 4
    assert Entry.objects.filter(scorecard__period=sw.period).count() == 4 * 7
    entry = sw.entry(world.member_unit, "3")
    entry.achieved = Decimal(40)
    touched = recompute_entries(entry.criterion, entry)
    refresh_totals(touched)
    entry.refresh_from_db()
    assert entry.self_points == Decimal("10.00")
    assert sw.card(world.member_unit).self_total == Decimal("10.00")
    from core.models import Notification

    assert Notification.objects.filter(key="scoring.period.opened").count() == 4
