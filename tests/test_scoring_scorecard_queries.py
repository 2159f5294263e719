"""The scorecard page and the save of one entry cost a fixed number of SQL queries,
whatever the size of the rubric (checked at 50 and 150 criteria)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.models import Criterion, Entry, EntryEvidence, Evidence
from scoring.selectors.rubrics import stored_params
from scoring.services.scorecards import entry_save
from tests.scoring_world import scoring_world

D = Decimal
KINDS = ["manual", "pass_fail", "target_ratio", "per_occurrence", "manual"]
WORLD_LEAVES = 7  # the leaf criteria of tests/scoring_world.py
PAGE_QUERIES = 16
SAVE_REQUEST_QUERIES = 26
SAVE_SERVICE_QUERIES = 11


def grow(sw, size: int, prefix: str = "S") -> None:  # type: ignore[no-untyped-def]
    """Add ``size`` leaf criteria, in sections of 10, to the frozen rubric, with an entry on
    every scorecard, some values, comments, evidence and links — written directly."""
    rubric = sw.rubric
    order = Criterion.objects.filter(rubric=rubric).count() + 1
    sections = Criterion.objects.bulk_create(
        Criterion(
            rubric=rubric,
            order=order + number,
            code=f"{prefix}{number + 1}",
            title=f"Phần mở rộng {prefix}{number + 1}",
            kind="group",
            max_points=D(10),
        )
        for number in range(size // 10)
    )
    leaves = []
    for index in range(size):
        kind = KINDS[index % len(KINDS)]
        extra = {"points_each": "1"} if kind == "per_occurrence" else {}
        leaves.append(
            Criterion(
                rubric=rubric,
                parent=sections[index // 10],
                order=order + len(sections) + index,
                code=f"{prefix}{index // 10 + 1}.{index % 10 + 1}",
                title=f"Tiêu chí mở rộng {index + 1}",
                guidance="Căn cứ báo cáo của đơn vị." if index % 3 == 0 else "",
                kind=kind,
                max_points=D(1),
                params=stored_params(kind, D(1), extra),
                evidence_required=index % 4 == 0,
                target=sw.target if kind == "target_ratio" else None,
            )
        )
    leaves = Criterion.objects.bulk_create(leaves)
    card = sw.card(sw.world.member_unit)
    entries = Entry.objects.bulk_create(
        Entry(
            scorecard=scorecard,
            criterion=criterion,
            points=D("0.5") if criterion.kind == "manual" and index % 2 else None,
            self_points=D("0.5") if criterion.kind == "manual" and index % 2 else None,
            comment="Đã thực hiện" if index % 5 == 0 else "",
        )
        for scorecard in sw.period.scorecards.all()
        for index, criterion in enumerate(leaves)
    )
    evidence = Evidence.objects.create(
        scorecard=card, kind="document", doc_number=f"9/BC-{prefix}", doc_date=dt.date(2024, 5, 1)
    )
    EntryEvidence.objects.bulk_create(
        EntryEvidence(entry=entry, evidence=evidence)
        for index, entry in enumerate(entries)
        if entry.scorecard_id == card.pk and index % 7 == 0
    )


def count_page(client, card, leaves: int) -> int:  # type: ignore[no-untyped-def]
    url = reverse("scorecard_detail", args=[card.pk])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="entry-form"') == leaves
    return len(queries)


def count_save(client, entry, value: str) -> int:  # type: ignore[no-untyped-def]
    entry.refresh_from_db()
    url = reverse("entry_save", args=[entry.scorecard_id, entry.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url, {"version": entry.version, "points": value}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200 and "entry-saved" in response.content.decode()
    return len(queries)


@pytest.mark.parametrize("size", [50, 150])
def test_the_page_stays_within_its_query_budget(world, client, size, django_assert_max_num_queries):
    sw = scoring_world(world)
    grow(sw, size)
    card = sw.card(world.member_unit)
    client.force_login(world.member_officer)
    url = reverse("scorecard_detail", args=[card.pk])
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('class="entry-form"') == size + WORLD_LEAVES


def test_the_page_costs_the_same_at_50_and_150_criteria(world, client):
    sw = scoring_world(world)
    card = sw.card(world.member_unit)
    client.force_login(world.member_officer)
    grow(sw, 50, "A")
    small = count_page(client, card, 50 + WORLD_LEAVES)
    grow(sw, 100, "B")
    big = count_page(client, card, 150 + WORLD_LEAVES)
    assert small == big


def test_saving_one_entry_costs_the_same_at_50_and_150_criteria(world, client):
    sw = scoring_world(world)
    client.force_login(world.member_officer)
    entry = sw.entry(world.member_unit, "1")
    grow(sw, 50, "A")
    small = count_save(client, entry, "10")
    grow(sw, 100, "B")
    big = count_save(client, entry, "12")
    assert small == big <= SAVE_REQUEST_QUERIES


def loaded(entry):  # type: ignore[no-untyped-def]
    """The entry as the page's view passes it: criterion and scorecard loaded."""
    return Entry.objects.select_related("criterion", "scorecard").get(pk=entry.pk)


@pytest.mark.parametrize("size", [50, 150])
def test_the_save_service_takes_a_handful_of_queries(world, size, django_assert_max_num_queries):
    sw = scoring_world(world)
    grow(sw, size)
    entry = loaded(sw.entry(world.member_unit, "1"))
    with django_assert_max_num_queries(SAVE_SERVICE_QUERIES):
        entry_save(actor=world.member_officer, entry=entry, version=0, values={"points": "9"})
    entry = loaded(sw.entry(world.member_unit, "3"))  # a target ratio reads the unit's target
    with django_assert_max_num_queries(SAVE_SERVICE_QUERIES):
        entry_save(actor=world.member_officer, entry=entry, version=0, values={"achieved": "40"})
