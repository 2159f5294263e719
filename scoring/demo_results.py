"""TP Bắc Kạn 2022 after its year-end review (issue 6), written through the services.

On 15/12/2022 the head (phường Phùng Chí Kiên) published the ranking; at the year-end
conference on 20/12/2022 the eight leaders voted by secret ballot for the unit leading
the cluster among the three best ranked. The articles give no ballot: the votes here
are illustrative (seven for the best ranked, one for the second). Bắc Ninh 2023 stays
mid-way, ready to be ranked once its scoring is finished.

Safe to run again: nothing is created twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from clusters.models import Profile
from covenants.demo import BAC_KAN, VIETNAM
from scoring.models import Ballot, Period
from scoring.selectors.ranking import period_ranking
from scoring.services.ballots import ballot_cast, ballot_close, ballot_create, ballot_open
from scoring.services.ranking import period_publish


def _at(day: int, month: int, year: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def _officer(unit_id: int, role: str):  # type: ignore[no-untyped-def]
    profile = (
        Profile.objects.filter(unit_id=unit_id, role=role).select_related("user").order_by("pk")
    ).first()
    return profile.user if profile else None


def load_bac_kan_results() -> Ballot | None:
    period = (
        Period.objects.filter(
            cluster_year__cluster__organizer__name=BAC_KAN["organizer"],
            cluster_year__year=BAC_KAN["year"],
        )
        .select_related("cluster_year")
        .first()
    )
    if period is None or period.published_at is not None:
        return None
    year = period.cluster_year
    head = _officer(year.head_unit_id, Profile.Role.OFFICER)
    period = period_publish(actor=head, period=period, at=_at(15, 12, 2022, 16))
    ranked = [line.card.unit for line in period_ranking(period=period).lines]
    candidates = ranked[:3]
    ballot = ballot_create(
        actor=head,
        cluster_year=year,
        period=period,
        purpose=Ballot.Purpose.LEADING_UNIT,
        candidates=candidates,
        choose_at_most=1,
        opens_at=_at(20, 12, 2022, 9),
        closes_at=_at(20, 12, 2022, 10),
    )
    ballot = ballot_open(actor=head, ballot=ballot, at=_at(20, 12, 2022, 9))
    members = list(year.memberships.select_related("unit").order_by("order"))
    for number, membership in enumerate(members):
        leader = _officer(membership.unit_id, Profile.Role.LEADER)
        choice = candidates[1] if number == len(members) - 1 else candidates[0]
        ballot_cast(
            actor=leader, ballot=ballot, choices=[choice], at=_at(20, 12, 2022, 9, 5 + number)
        )
    return ballot_close(actor=head, ballot=ballot, at=_at(20, 12, 2022, 10))


def load_results_demo() -> list[Ballot]:
    with transaction.atomic():
        made = [load_bac_kan_results()]
    return [ballot for ballot in made if ballot is not None]
