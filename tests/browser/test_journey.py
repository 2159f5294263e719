"""The whole year of a cluster in a real browser, as its people meet it (issue 9).

A fresh year (Bắc Ninh's cluster of districts, 2025, three members) from the board
setting it up to the board accepting the award nomination, every step on the pages as
its real persona — board staff, the head's officer, unit officers and leaders (the
demo's accounts, password demo12345) — and asserting what each one sees. The steps are
in tests/browser/journey_steps.py; screenshots of the key pages go to ``var/browser/``
or ``SCREENSHOTS_DIR`` (``journey-*.png``).

Then the key steps of the same journey on a 375 × 812 phone: the leaders sign the
covenant, an officer self-scores and submits, a leader votes — the menu folds into the
hamburger, nothing makes the page scroll sideways, every field and button is on
screen and large enough to tap.

No database shortcut: the database is only read. The ballot closes as soon as every
unit has voted (no waiting for its closing time) and document jobs render inline in
the test process (tests/conftest.py)."""

from __future__ import annotations

from tests.browser import journey_steps as steps

TIMEOUT_MS = 30_000  # a shared CI machine: a page may take a while


def _journey(page, server, tmp_path) -> steps.Journey:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    return steps.Journey(page=page, base=server.url, tmp=tmp_path)


def test_a_fresh_cluster_year_from_setup_to_the_accepted_nomination(  # type: ignore[no-untyped-def]
    page, demo_server, tmp_path
):
    from covenants.models import Covenant, CovenantState
    from scoring.models import Ballot, BallotVoter, CastBallot, Nomination, Nominee, Scorecard

    j = _journey(page, demo_server, tmp_path)
    steps.board_sets_up_year(j)
    steps.head_drafts_covenant(j)
    steps.head_builds_rubric(j)
    steps.covenant_workflow(j)
    steps.leaders_sign(j)
    steps.covenant_pdf(j)
    steps.head_opens_period(j)
    steps.units_self_score(j)
    steps.head_returns_one_card(j)
    steps.unit_explains(j)
    steps.head_finalises(j)
    steps.head_publishes_ranking(j)
    steps.head_prepares_ballot(j)
    steps.leaders_vote_and_head_closes(j)
    steps.head_sends_nomination(j)
    steps.board_accepts(j)

    # What the database holds at the end of the year.
    year = steps.cluster_year()
    covenant = Covenant.objects.get(cluster_year=year)
    assert covenant.state == CovenantState.SIGNED
    assert covenant.signatures.count() == 3
    period = steps.year_end()
    assert period.published_at is not None
    cards = Scorecard.objects.filter(period=period)
    assert {card.unit.name: (card.state, int(card.final_total)) for card in cards} == {
        steps.MEMBER: (Scorecard.State.FINALISED, 28),
        steps.DEPUTY: (Scorecard.State.FINALISED, 29),
        steps.HEAD: (Scorecard.State.FINALISED, 27),
    }
    ballot = Ballot.objects.get(cluster_year=year)
    assert ballot.state == Ballot.State.CLOSED
    assert BallotVoter.objects.filter(ballot=ballot).count() == 3
    assert CastBallot.objects.filter(ballot=ballot).count() == 3
    deputy = steps.units()[steps.DEPUTY]
    result = ballot.result
    assert (result["issued"], result["returned"], result["valid"], result["invalid"]) == (
        3,
        3,
        3,
        0,
    )
    assert result["winners"] == [deputy.pk] and result["decision"] == "elected"
    assert {c["unit_id"]: c["votes"] for c in result["candidates"]}[deputy.pk] == 3
    nomination = Nomination.objects.get(period=period)
    assert nomination.state == Nomination.State.ACCEPTED
    assert nomination.number == "15/TTr-CTĐ"
    flag = Nominee.objects.get(nomination=nomination, award=Nominee.Award.FLAG)
    assert flag.unit == deputy


def test_the_key_steps_on_a_phone(chromium, page, demo_server, tmp_path):  # type: ignore[no-untyped-def]
    desk = _journey(page, demo_server, tmp_path)
    context = chromium.new_context(
        locale="vi-VN",
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
    )
    try:
        phone = _journey(context.new_page(), demo_server, tmp_path)
        # Set up at the desk; signed, scored and voted on the phone.
        steps.board_sets_up_year(desk)
        steps.head_drafts_covenant(desk)
        steps.head_builds_rubric(desk)
        steps.covenant_workflow(desk)
        steps.phone_leaders_sign(phone)
        steps.head_opens_period(desk)
        steps.phone_officer_scores(phone)
        steps.head_prepares_ballot(desk)
        steps.phone_leader_votes(phone)
    finally:
        context.close()
