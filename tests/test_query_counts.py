"""Query discipline: every list, table, dashboard and scorecard page costs a number of SQL
queries that does not grow with the data (issue 8).

One world of tests/url_matrix.py (one object of every kind) is grown to two sizes — a
small one (``SMALL``: 2 more member units, clusters, targets, signatures, evidence,
notifications, jobs, … and 10 more criteria) and a bigger one (``BIG``: 8 of each and 60
criteria). Each page of ``PAGES`` is read at both sizes, as the persona that sees the
most, within the same bound: the number of queries it takes at the small size.

A new page is one line of ``PAGES``: ``"url name": (example arguments — a key of
tests/url_matrix.py's ``ARGS`` —, bound, what it must show of the grown things — a key of
``SHOWS``)``, or ``"url name@persona"`` to read it as another persona than the board.
To see what the pages take today, run
``QUERY_COUNTS_RECORD=1 pytest tests/test_query_counts.py -s -p no:logging``: it prints
each page's line with the count of the run (the ``small`` ones are the bounds). A page
over its bound prints the SQL it ran.

Some pages are also held to a budget by their own tests at their own sizes (the
scorecard page, the rubric editor, the verification pages, the covenant, the period,
the board's nominations, the unit's history); here they are read in the same grown
world as the others.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterYear, Profile, Unit
from core.documents.jobs import new_verification_code
from core.models import ActionLog, DocumentJob, JobState, Notification
from covenants.models import (
    AdoptedDocument,
    ConferenceGuest,
    CovenantComment,
    CovenantSection,
    Signature,
    Target,
    TargetValue,
)
from scoring.models import (
    Ballot,
    Disclosure,
    DisclosureComment,
    EntryEvidence,
    Evidence,
    ExplanationRequest,
    NominationDocument,
    Nominee,
    Period,
    ReviewAssignment,
)
from scoring.services.ballots import ballot_cast
from scoring.services.rubrics import template_create
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members, make_user
from tests.test_scoring_scorecard_queries import grow
from tests.url_matrix import ARGS, PDF, Objects, build_objects

pytestmark = pytest.mark.sweep  # see pyproject.toml


@dataclass(frozen=True)
class Size:
    name: str
    more: int  # more of every listed thing
    criteria: int  # more criteria on the rubric (a multiple of 10)


SMALL = Size("small", 2, 10)
BIG = Size("big", 8, 60)

# "url name" or "url name@persona": (example arguments, queries at most, what the page
# must show of the grown things — a key of ``SHOWS`` or "" for a file).
# Persona: the board of the organizer unless named.
PAGES: dict[str, tuple[str, int, str]] = {
    # core: dashboards, notifications, the action log
    "dashboard": ("", 14, "cluster"),
    "dashboard@head_officer": ("", 7, ""),
    "dashboard@member_officer": ("", 7, ""),
    "notification_list": ("", 6, "notification"),
    "notification_list@member_officer": ("", 8, "notification"),
    "audit_log": ("", 6, "template"),
    # clusters: people, units, clusters and their years
    "user_list": ("", 6, "member"),
    "unit_list": ("", 7, "member"),
    "unit_detail": ("unit", 9, "year"),
    "unit_merge": ("", 6, "member"),
    "cluster_list": ("", 6, "cluster"),
    "cluster_detail": ("cluster", 6, "year"),
    "cluster_year_detail": ("year", 9, "member"),
    "cluster_year_edit": ("year", 9, "member"),
    "cluster_year_members": ("year", 9, "member"),
    "cluster_year_rotation": ("year", 9, ""),
    # covenants
    "covenant_detail": ("covenant", 20, "target"),
    "covenant_list_for_year": ("year", 8, ""),
    "covenant_sections": ("covenant", 8, "section"),
    "covenant_guests": ("covenant", 8, "guest"),
    "covenant_documents": ("covenant", 8, "document"),
    "covenant_targets": ("covenant", 10, "target"),
    "covenant_witness": ("covenant", 12, "target"),
    "covenant_sign@member_leader": ("covenant", 14, "target"),
    # scoring: rubrics, periods, verification, results, ballots, nominations
    "rubric_detail": ("rubric", 10, "criterion"),
    "template_list": ("", 5, "template"),
    "rubric_export": ("rubric", 5, "criterion"),
    "year_periods": ("year", 8, ""),
    "period_detail": ("period", 9, "member"),
    "verify_period": ("period", 8, "member"),
    "assignment_list": ("period", 10, "member"),
    "period_comparison": ("period", 12, "member"),
    "verify_scorecard": ("card", 15, "criterion"),
    "verify_comparison": ("card", 16, "criterion"),
    "explanation_list": ("card", 11, "explanation"),
    "explanation_answer@member_officer": ("card+explanation", 13, "evidence"),
    "period_ranking": ("period", 9, "member"),
    "period_publish": ("period", 9, "member"),
    "period_summary_xlsx": ("period", 6, "member"),
    "year_ballots": ("year", 9, "ballot"),
    "ballot_detail": ("ballot", 12, "member"),
    "ballot_result": ("ballot", 7, ""),
    "ballot_vote@member_leader": ("ballot", 11, ""),
    "deliberation_detail": ("period", 12, "member"),
    "deliberation_edit": ("period", 10, "member"),
    "nomination_detail": ("period", 21, "nomination_document"),
    "nomination_nominees": ("period", 14, "member"),
    "nomination_submit": ("period", 20, ""),
    "board_nomination_accept": ("nomination", 7, "nomination_document"),
    "board_nominations": ("", 11, ""),
    "unit_history": ("unit", 10, ""),
    "award_list_xlsx": ("calendar_year", 4, ""),
    "disclosure_detail": ("calendar_year", 7, "member"),
    "year_dashboard": ("calendar_year", 11, "cluster"),
    # The scorecard pages: scoring/views/scorecards.py is being rewritten elsewhere.
    "scorecard_detail": ("card", 16, "criterion"),
    "scorecard_submit@member_officer": ("card", 14, "rubric_section"),
    "entry_evidence": ("card+entry", 14, "evidence"),
    # the API (/api/v1/)
    "api-organizer-list": ("", 5, ""),
    "api-unit-list": ("", 7, "member"),
    "api-unit-detail": ("unit", 6, ""),
    "api-cluster-list": ("", 5, "cluster"),
    "api-cluster-detail": ("cluster", 4, ""),
    "api-cluster-year-list": ("", 6, "member"),
    "api-cluster-year-detail": ("year", 5, "member"),
    "api-covenant-list": ("", 8, "target"),
    "api-covenant-detail": ("covenant", 7, "target"),
    "api-rubric-list": ("", 6, "template"),
    "api-rubric-detail": ("rubric", 5, "criterion"),
    "api-period-list": ("", 5, ""),
    "api-period-detail": ("period", 4, ""),
    "api-period-ranking": ("period", 6, "member"),
    "api-scorecard-list": ("", 5, "member"),
    "api-scorecard-detail": ("card", 5, "criterion"),
    "api-nomination-list": ("", 6, "member"),
    "api-nomination-detail": ("nomination", 5, "member"),
}

# What a page shows of the grown things: the last one of each kind.
SHOWS = {
    "member": "UBND huyện Thêm {last}",
    "cluster": "Cụm thi đua phụ {last}",
    "year": "{year}",
    "target": "Chỉ tiêu {last}",
    "section": "Điều {last}",
    "guest": "Khách {last}",
    "document": "Văn bản {last}",
    "notification": "Tin {last}",
    "template": "Mẫu {last}",
    "explanation": "Giải trình {last}",
    "evidence": "{last}/BC",
    "signature": "Lãnh đạo {last}",
    "nomination_document": "tt-{last}",
    "criterion": "Tiêu chí mở rộng {criteria}",
    "rubric_section": "Q{sections}:",
    "ballot": "{ballot}",
}
FIRST_PAST_YEAR = 2010


MORE_MEMBER = "UBND huyện Thêm"


def shown(size: Size, kind: str) -> str:
    last = size.more - 1
    ballot = reverse("ballot_detail", args=[Ballot.objects.latest("pk").pk])
    return SHOWS[kind].format(
        last=last,
        year=FIRST_PAST_YEAR + last,
        criteria=size.criteria,
        sections=size.criteria // 10,
        ballot=ballot,
    )


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text, or every cell of a workbook."""
    if not response.content.startswith(b"PK"):
        return response.content.decode(errors="replace")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def more_members(world, size: Size) -> None:  # type: ignore[no-untyped-def]
    """``size.more`` more member units of the 2024 year, each with an officer and a
    leader, before its period opens (so each has a scorecard)."""
    for number in range(size.more):
        unit = UnitFactory(organizer=world.org, name=f"{MORE_MEMBER} {number}")
        add_members(world.this_year, [unit])
        make_user(f"q_member_{number}", role=Profile.Role.OFFICER, unit=unit)
        make_user(f"q_leader_{number}", role=Profile.Role.LEADER, unit=unit)


def grow_world(objects: Objects, size: Size) -> None:
    """``size.more`` more of every thing a page lists, ``size.criteria`` more criteria."""
    world, sw, covenant, card = objects.world, objects.sw, objects.covenant, objects.card
    org, now, more = world.org, timezone.now(), size.more
    grow(sw, size.criteria, prefix="Q")
    for number in range(more):
        heads = [UnitFactory(organizer=org, name=f"UBND xã Phụ {number}-{k}") for k in range(3)]
        cluster = ClusterFactory(organizer=org, name=f"Cụm thi đua phụ {number}")
        year = ClusterYearFactory(
            cluster=cluster, year=2024, head_unit=heads[0], deputy_unit=heads[1]
        )
        add_members(year, heads)
        make_user(f"q_officer_{number}", role=Profile.Role.OFFICER, unit=heads[2])
        target = Target.objects.create(
            covenant=covenant, order=10 + number, indicator=f"Chỉ tiêu {number}", measure="%"
        )
        TargetValue.objects.bulk_create(
            TargetValue(target=target, unit=unit, value=Decimal(number + 1))
            for unit in Unit.objects.filter(memberships__cluster_year=covenant.cluster_year)
        )
        CovenantSection.objects.create(
            covenant=covenant, order=10 + number, heading=f"Điều {number}", body="Nội dung."
        )
        ConferenceGuest.objects.create(covenant=covenant, order=10 + number, name=f"Khách {number}")
        AdoptedDocument.objects.create(
            covenant=covenant,
            kind=AdoptedDocument.Kind.REGULATIONS,
            title=f"Văn bản {number}",
            file=ContentFile(PDF, name=f"vb-{number}.pdf"),
            uploaded_by=world.board,
        )
        CovenantComment.objects.create(covenant=covenant, author=world.head_officer, text="Ý kiến")
        evidence = Evidence.objects.create(
            scorecard=card,
            kind=Evidence.Kind.DOCUMENT,
            doc_number=f"{number}/BC",
            doc_date=dt.date(2024, 5, 1),
        )
        EntryEvidence.objects.create(entry=objects.entry, evidence=evidence)
        explanation = ExplanationRequest.objects.create(
            scorecard=card,
            question=f"Giải trình {number}.",
            deadline=now + dt.timedelta(days=5),
            requested_by=world.head_officer,
            requested_role="head",
        )
        explanation.entries.add(objects.entry)
        Notification.objects.bulk_create(
            Notification(user=user, key="test.more", subject=f"Tin {number}", scope_id=org.pk)
            for user in (world.board, world.member_officer)
        )
        DocumentJob.objects.create(
            kind="covenant",
            content_type=ContentType.objects.get_for_model(covenant),
            object_id=str(covenant.pk),
            scope_id=org.pk,
            state=JobState.DONE,
            requested_by=world.board,
            finished_at=now,
            verification_code=new_verification_code(),
        )
        ActionLog.objects.create(
            actor=world.board, actor_name="alice", action="test.more", scope_id=org.pk
        )
        template_create(
            actor=world.board, organizer=org, name=f"Mẫu {number}", from_rubric=sw.rubric
        )
    for number in range(more):
        past = ClusterYearFactory(
            cluster=world.cluster,
            year=FIRST_PAST_YEAR + number,
            head_unit=world.h_old,
            deputy_unit=world.h_new,
            status=ClusterYear.Status.CLOSED,
        )
        add_members(past, [world.h_old, world.h_new, world.deputy_unit, world.member_unit])
        ballot = Ballot.objects.create(
            cluster_year=world.this_year,
            purpose=Ballot.Purpose.MERIT,
            opens_at=now + dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=2),
        )
        ballot.candidates.add(world.h_new, world.member_unit)
    Period.objects.filter(pk=sw.period.pk).update(cross_scoring=True)
    ReviewAssignment.objects.bulk_create(
        ReviewAssignment(scorecard=scorecard, reviewer_unit=reviewer, assigned_by=world.board)
        for scorecard in sw.period.scorecards.all()
        for reviewer in (world.h_new, world.deputy_unit)
        if scorecard.unit_id != reviewer.pk
    )
    # The cluster year's own more members: a signature, a candidacy and a vote, a
    # nominee, a nomination document and a comment on the nominee each.
    nomination = objects.nominee.nomination
    disclosure = Disclosure.objects.get(organizer=org, year=2024)
    members = Unit.objects.filter(name__startswith=MORE_MEMBER).order_by("pk")
    for number, unit in enumerate(members):
        leader = unit.profiles.get(role=Profile.Role.LEADER).user
        Signature.objects.create(
            covenant=covenant,
            unit=unit,
            signer=leader,
            signer_name=f"Lãnh đạo {number}",
            signer_position="Chủ tịch",
            signed_at=now,
        )
        objects.ballot.candidates.add(unit)
        ballot_cast(actor=leader, ballot=objects.ballot, choices=[unit])
        nominee = Nominee.objects.create(
            nomination=nomination,
            unit=unit,
            award=Nominee.Award.MERIT,
            rank=2 + number,
            total=Decimal(90 - number),
            order=2 + number,
        )
        NominationDocument.objects.create(
            nomination=nomination,
            kind=NominationDocument.Kind.ACHIEVEMENT_REPORT,
            unit=unit,
            file=ContentFile(PDF, name=f"tt-{number}.pdf"),
            original_name=f"tt-{number}.pdf",
            content_type="application/pdf",
            size=len(PDF),
            uploaded_by=leader,
        )
        DisclosureComment.objects.create(
            disclosure=disclosure, nominee=nominee, author=world.board, text="Đồng ý"
        )
    ballot_cast(actor=world.member_leader, ballot=objects.ballot, choices=[world.h_new])


@pytest.mark.parametrize("size", [SMALL, BIG], ids=lambda size: size.name)
def test_every_page_stays_within_its_query_bound(world, size, django_assert_max_num_queries):
    more_members(world, size)
    objects = build_objects(world)
    grow_world(objects, size)
    assert Ballot.objects.filter(pk=objects.ballot.pk).exists()
    clients: dict[str, Client] = {}
    seen: dict[str, tuple[int, int]] = {}
    over: list[str] = []
    blind: list[str] = []
    for key, (kind, bound, shows) in PAGES.items():
        name, _at, persona = key.partition("@")
        client = clients.get(persona)
        if client is None:
            client = clients[persona] = Client()
            client.force_login(getattr(world, persona or "board"))
        args = ARGS[kind](objects)
        path = reverse(name, args=args)
        client.get(path)  # the session and the caches warmed
        try:
            with django_assert_max_num_queries(bound) as queries:
                response = client.get(path)
        except pytest.fail.Exception:
            over.append(key)
            print(f"{key} at the {size.name} size:")  # shown with the failure
            for query in queries.captured_queries:
                print("   ", query["sql"][:200])
        seen[key] = (response.status_code, len(queries))
        if os.environ.get("QUERY_COUNTS_RECORD"):
            print(f'{size.name}    "{key}": ("{kind}", {len(queries)}, "{shows}"),')
        if shows and shown(size, shows) not in text_of(response):
            blind.append(key)
    not_ok = {key: status for key, (status, _count) in seen.items() if status != 200}
    assert not not_ok, f"pages that did not answer 200: {not_ok}"
    assert not blind, f"pages that do not show what was grown: {blind}"
    assert not over, (
        f"pages over their bound at the {size.name} size (queries / bound):\n"
        + "\n".join(f"  {key}: {seen[key][1]} / {PAGES[key][1]}" for key in over)
    )
