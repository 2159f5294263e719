"""The expected answer of every URL of the project to a GET by every persona.

``ARGS`` builds the example arguments of a URL from the objects of one rich world
(``build_objects``); ``MATRIX`` says, for each URL name, which example it takes and
the status each persona must get, in the order of ``PERSONAS``, then after ``|`` the
status board staff of this organizer must get for the same URL built from the
objects of ANOTHER organizer (``-``: the URL names no object).

Statuses: 200 page; 302 redirect (for anonymous: to the login page, checked);
401 the API refuses an anonymous caller; 403 refused; 404 not found (objects the
persona may not know of); 405 GET not allowed (POST-only actions); ``302→<url>`` an
anonymous redirect that is not to the login page (the language switch, Django's admin);
a page of another organizer that shows this organizer's names reads ``200 leaks``.

A new URL: add its line. To see what the application answers today, run
``URL_MATRIX_RECORD=/tmp/matrix.txt pytest tests/test_url_matrix.py`` and read the
lines written there — then decide, line by line, what the answer MUST be.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from clusters.models import ClusterYear, Profile
from core.documents.jobs import new_verification_code
from core.models import DocumentJob, JobState, Notification
from covenants.models import AdoptedDocument, Covenant, Signature
from scoring.models import (
    Deliberation,
    Disclosure,
    Evidence,
    ExplanationRequest,
    Nomination,
    NominationDocument,
    Nominee,
)
from tests.conftest import World
from tests.factories import (
    ClusterFactory,
    ClusterYearFactory,
    UnitFactory,
    add_members,
    make_user,
)
from tests.scoring_world import scoring_world
from tests.test_scoring_ballots import make_ballot

PERSONAS = (
    "anonymous",
    "board",
    "other_board",
    "head_officer",
    "last_head_officer",
    "member_officer",
    "member_leader",
    "outsider_officer",
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Objects:
    """One object of every kind a URL names, all of one organizer."""

    world: Any
    sw: Any
    covenant: Any
    adopted: Any
    signature: Any
    rubric: Any
    criterion: Any
    period: Any
    card: Any
    entry: Any
    evidence: Any
    explanation: Any
    ballot: Any
    nomination_document: Any
    nominee: Any
    job: Any
    notification: Any


def mirror_world(world: World) -> World:
    """The same cast as ``world`` for the other organizer (its board is ``bob``)."""
    org = world.other_org
    h_old, h_new, deputy, member = (
        UnitFactory(organizer=org, name=f"UBND huyện Xa {n}") for n in range(4)
    )
    outsider = UnitFactory(organizer=org, name="Sở Nội vụ tỉnh Bình Lâm", kind="department")
    cluster = ClusterFactory(organizer=org, name="Cụm thi đua Bình Lâm")
    last_year = ClusterYearFactory(
        cluster=cluster,
        year=2023,
        head_unit=h_old,
        deputy_unit=h_new,
        status=ClusterYear.Status.CLOSED,
    )
    add_members(last_year, [h_old, h_new, deputy, member])
    this_year = ClusterYearFactory(cluster=cluster, year=2024, head_unit=h_new, deputy_unit=deputy)
    add_members(this_year, [h_new, deputy, member, h_old])
    officer = Profile.Role.OFFICER
    return World(
        org=org,
        other_org=world.org,
        cluster=cluster,
        last_year=last_year,
        this_year=this_year,
        h_old=h_old,
        h_new=h_new,
        deputy_unit=deputy,
        member_unit=member,
        outsider_unit=outsider,
        other_unit=world.h_new,
        board=world.other_board,
        other_board=world.board,
        head_officer=make_user("x_hana", role=officer, unit=h_new),
        last_head_officer=make_user("x_olga", role=officer, unit=h_old),
        member_officer=make_user("x_minh", role=officer, unit=member),
        member_leader=make_user("x_lan", role=Profile.Role.LEADER, unit=member),
        outsider_officer=make_user("x_oscar", role=officer, unit=outsider),
    )


def build_objects(world: World) -> Objects:
    """Every kind of object a URL takes, for the organizer of ``world``."""
    now = timezone.now()
    sw = scoring_world(world)
    world.this_year.decision_file = ContentFile(PDF, name="quyet-dinh.pdf")
    world.this_year.save(update_fields=["decision_file"])
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    covenant = Covenant.objects.get(cluster_year=world.this_year)
    adopted = AdoptedDocument.objects.create(
        covenant=covenant,
        kind=AdoptedDocument.Kind.REGULATIONS,
        title="Quy chế hoạt động",
        file=ContentFile(PDF, name="quy-che.pdf"),
    )
    signature = Signature.objects.create(
        covenant=covenant,
        unit=world.member_unit,
        signer=world.member_leader,
        signer_name="Người ký",
        signer_position="Chủ tịch",
        signed_at=now,
        method=Signature.Method.TOKEN_UPLOAD,
        file=ContentFile(PDF, name="ky-so.pdf"),
    )
    evidence = Evidence.objects.create(
        scorecard=card,
        kind=Evidence.Kind.FILE,
        title="Báo cáo",
        file=ContentFile(PDF, name="bao-cao.pdf"),
        original_name="bao-cao.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=world.member_officer,
    )
    explanation = ExplanationRequest.objects.create(
        scorecard=card,
        question="Đề nghị giải trình.",
        deadline=now + dt.timedelta(days=5),
        requested_by=world.head_officer,
        requested_role="head",
    )
    explanation.entries.add(entry)
    ballot = make_ballot(world)
    nomination = Nomination.objects.create(
        period=sw.period,
        cluster_year=world.this_year,
        organizer=world.org,
        year=world.this_year.year,
        number="12/TTr-CTĐ",
        state=Nomination.State.SUBMITTED,
        submitted_at=now,
        submitted_by=world.head_officer,
    )
    nominee = Nominee.objects.create(
        nomination=nomination,
        unit=world.h_new,
        award=Nominee.Award.FLAG,
        rank=1,
        total=Decimal("95"),
        order=1,
    )
    nomination_document = NominationDocument.objects.create(
        nomination=nomination,
        kind=NominationDocument.Kind.ACHIEVEMENT_REPORT,
        unit=world.h_new,
        file=ContentFile(PDF, name="thanh-tich.pdf"),
        original_name="thanh-tich.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=world.head_officer,
    )
    Deliberation.objects.create(
        period=sw.period,
        held_at=now,
        place="Hội trường",
        chaired_by="Chủ tịch",
        secretary="Thư ký",
    )
    Disclosure.objects.create(
        organizer=world.org,
        year=world.this_year.year,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=3),
    )
    job = DocumentJob.objects.create(
        kind="covenant",
        content_type=ContentType.objects.get_for_model(Covenant),
        object_id=str(covenant.pk),
        scope_id=world.org.pk,
        state=JobState.DONE,
        requested_by=world.board,
        finished_at=now,
        file=ContentFile(PDF, name="giao-uoc.pdf"),
        filename="giao-uoc.pdf",
        sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF),
        verification_code=new_verification_code(),
    )
    notification = Notification.objects.create(
        user=world.member_officer, key="test.matrix", subject="Thông báo", scope_id=world.org.pk
    )
    return Objects(
        world=world,
        sw=sw,
        covenant=covenant,
        adopted=adopted,
        signature=signature,
        rubric=sw.rubric,
        criterion=sw.criteria["1"],
        period=sw.period,
        card=card,
        entry=entry,
        evidence=evidence,
        explanation=explanation,
        ballot=ballot,
        nomination_document=nomination_document,
        nominee=nominee,
        job=job,
        notification=notification,
    )


# The example arguments of each kind of URL --------------------------------------------

ARGS: dict[str, Any] = {
    "": lambda o: [],
    "organizer": lambda o: [o.world.org.pk],
    "unit": lambda o: [o.world.member_unit.pk],
    "cluster": lambda o: [o.world.cluster.pk],
    "year": lambda o: [o.world.this_year.pk],  # a cluster year
    "calendar_year": lambda o: [o.world.this_year.year],  # names no object
    "user": lambda o: [o.world.member_officer.pk],
    "job": lambda o: [o.job.pk],
    "code": lambda o: [o.job.verification_code],
    "notification": lambda o: [o.notification.pk],  # the member officer's
    "covenant": lambda o: [o.covenant.pk],
    "covenant+adopted": lambda o: [o.covenant.pk, o.adopted.pk],
    "covenant+signature": lambda o: [o.covenant.pk, o.signature.pk],
    "rubric": lambda o: [o.rubric.pk],
    "rubric+criterion": lambda o: [o.rubric.pk, o.criterion.pk],
    "period": lambda o: [o.period.pk],
    "period+card": lambda o: [o.period.pk, o.card.pk],
    "period+document": lambda o: [o.period.pk, o.nomination_document.pk],
    "card": lambda o: [o.card.pk],  # the member unit's scorecard
    "card+entry": lambda o: [o.card.pk, o.entry.pk],
    "card+evidence": lambda o: [o.card.pk, o.evidence.pk],
    "card+explanation": lambda o: [o.card.pk, o.explanation.pk],
    "card+code": lambda o: [o.card.pk, "1"],
    "ballot": lambda o: [o.ballot.pk],
    "nomination": lambda o: [o.nominee.nomination_id],
    "calendar_year+nominee": lambda o: [o.world.this_year.year, o.nominee.pk],
    "nomination_api": lambda o: [o.nominee.nomination_id],
}


# The matrix ---------------------------------------------------------------------------
# name: (example arguments, "anonymous board other_board head_officer last_head_officer
#        member_officer member_leader outsider_officer | board on another organizer's object")

MATRIX: dict[str, tuple[str, str]] = {
    "healthz": ("", "200 200 200 200 200 200 200 200 | -"),
    "login": ("", "200 200 200 200 200 200 200 200 | -"),
    "logout": ("", "302 405 405 405 405 405 405 405 | -"),
    "password_change": ("", "302 200 200 200 200 200 200 200 | -"),
    "password_change_done": ("", "302 200 200 200 200 200 200 200 | -"),
    "set_language": ("", "302→/ 302 302 302 302 302 302 302 | -"),
    "admin:index": ("", "302→/admin/login/?next=/admin/ 302 302 302 302 302 302 302 | -"),
    "admin:login": ("", "200 200 200 200 200 200 200 200 | -"),
    "admin:logout": ("", "302→/admin/login/?next=/admin/logout/ 302 302 302 302 302 302 302 | -"),
    "api_key": ("", "302 200 200 200 200 200 200 200 | -"),
    "api-token": ("", "405 405 405 405 405 405 405 405 | -"),
    "api-scorecard-entry": ("card+code", "401 200 404 200 404 200 200 404 | 404"),
    "api-schema": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-organizer-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-organizer-detail": ("organizer", "401 200 404 200 200 200 200 200 | 404"),
    "api-unit-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-unit-detail": ("unit", "401 200 404 404 404 200 200 404 | 404"),
    "api-cluster-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-cluster-detail": ("cluster", "401 200 404 200 200 200 200 404 | 404"),
    "api-cluster-year-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-cluster-year-detail": ("year", "401 200 404 200 200 200 200 404 | 404"),
    "api-covenant-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-covenant-detail": ("covenant", "401 200 404 200 200 200 200 404 | 404"),
    "api-rubric-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-rubric-detail": ("rubric", "401 200 404 200 200 200 200 404 | 404"),
    "api-period-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-period-detail": ("period", "401 200 404 200 200 200 200 404 | 404"),
    "api-period-ranking": ("period", "401 200 404 200 404 404 404 404 | 404"),
    "api-scorecard-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-scorecard-detail": ("card", "401 200 404 200 404 200 200 404 | 404"),
    "api-nomination-list": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-nomination-detail": ("nomination", "401 200 404 200 200 200 200 404 | 404"),
    "api-root": ("", "401 200 200 200 200 200 200 200 | -"),
    "api-docs": ("", "302 200 200 200 200 200 200 200 | -"),
    "job_detail": ("job", "302 200 404 200 200 200 200 404 | 404"),
    "job_download": ("job", "302 200 404 200 200 200 200 404 | 404"),
    "verify": ("", "302 200 200 200 200 200 200 200 | -"),
    "verify_code": ("code", "302 200 200 200 200 200 200 200 | 200"),
    "notification_list": ("", "302 200 200 200 200 200 200 200 | -"),
    "notification_open": ("notification", "302 404 404 404 404 302 404 404 | 404"),
    "covenant_list_for_year": ("year", "302 200 404 200 200 200 200 404 | 404"),
    "covenant_create": ("year", "302 302 404 302 403 403 403 404 | 404"),
    "covenant_detail": ("covenant", "302 200 404 200 200 200 200 404 | 404"),
    "covenant_edit": ("covenant", "302 200 404 200 403 403 403 404 | 404"),
    "covenant_sections": ("covenant", "302 200 404 200 403 403 403 404 | 404"),
    "covenant_guests": ("covenant", "302 200 404 200 403 403 403 404 | 404"),
    "covenant_documents": ("covenant", "302 200 404 200 403 403 403 404 | 404"),
    "covenant_document_file": ("covenant+adopted", "302 200 404 200 200 200 200 404 | 404"),
    "covenant_document_delete": ("covenant+adopted", "302 405 405 405 405 405 405 405 | 405"),
    "covenant_comment": ("covenant", "302 405 405 405 405 405 405 405 | 405"),
    "covenant_comment_resolve": ("covenant", "302 405 405 405 405 405 405 405 | 405"),
    "covenant_targets": ("covenant", "302 200 404 200 403 403 403 404 | 404"),
    "covenant_targets_template": ("covenant", "302 200 404 200 403 403 403 404 | 404"),
    "covenant_targets_import": ("covenant", "302 200 404 200 403 403 403 404 | 404"),
    "covenant_transition": ("covenant", "302 405 405 405 405 405 405 405 | 405"),
    "covenant_sign": ("covenant", "302 403 404 403 403 403 200 404 | 404"),
    "covenant_witness": ("covenant", "302 200 404 403 403 403 403 404 | 404"),
    "covenant_token_upload": ("covenant", "302 403 404 403 403 403 200 404 | 404"),
    "covenant_signature_file": ("covenant+signature", "302 200 404 200 200 200 200 404 | 404"),
    "covenant_amend": ("covenant", "302 200 404 200 403 403 403 404 | 404"),
    "covenant_pdf": ("covenant", "302 405 405 405 405 405 405 405 | 405"),
    "rubric_for_year": ("year", "302 200 404 200 200 200 200 404 | 404"),
    "template_list": ("", "302 200 200 404 404 404 404 404 | -"),
    "template_create": ("", "302 200 200 404 404 404 404 404 | -"),
    "rubric_detail": ("rubric", "302 200 404 200 200 200 200 404 | 404"),
    "rubric_settings": ("rubric", "302 302 404 302 403 403 403 404 | 404"),
    "rubric_freeze": ("rubric", "302 405 405 405 405 405 405 405 | 405"),
    "rubric_new_version": ("rubric", "302 200 404 200 403 403 403 404 | 404"),
    "criterion_add": ("rubric", "302 302 404 302 403 403 403 404 | 404"),
    "criterion_check": ("rubric", "302 405 405 405 405 405 405 405 | 405"),
    "criterion_edit": ("rubric+criterion", "302 302 404 302 403 403 403 404 | 404"),
    "criterion_delete": ("rubric+criterion", "302 405 405 405 405 405 405 405 | 405"),
    "criterion_move": ("rubric+criterion", "302 405 405 405 405 405 405 405 | 405"),
    "criterion_indent": ("rubric+criterion", "302 405 405 405 405 405 405 405 | 405"),
    "criterion_outdent": ("rubric+criterion", "302 405 405 405 405 405 405 405 | 405"),
    "rubric_export": ("rubric", "302 200 404 200 200 200 200 404 | 404"),
    "rubric_import": ("rubric", "302 302 404 302 403 403 403 404 | 404"),
    "rubric_pdf": ("rubric", "302 405 405 405 405 405 405 405 | 405"),
    "year_periods": ("year", "302 200 404 200 200 200 200 404 | 404"),
    "period_create": ("year", "302 200 404 200 403 403 403 404 | 404"),
    "period_detail": ("period", "302 200 404 200 200 200 200 404 | 404"),
    "period_edit": ("period", "302 200 404 200 403 403 403 404 | 404"),
    "period_open": ("period", "302 302 404 302 403 403 403 404 | 404"),
    "period_delete": ("period", "302 405 405 405 405 405 405 405 | 405"),
    "scorecard_reopen": ("card", "302 200 404 403 404 403 403 404 | 404"),
    "scorecard_detail": ("card", "302 200 404 200 404 200 200 404 | 404"),
    "entry_save": ("card+entry", "302 405 405 405 405 405 405 405 | 405"),
    "entry_evidence": ("card+entry", "302 200 404 200 404 200 200 404 | 404"),
    "scorecard_submit": ("card", "302 403 404 403 404 200 200 404 | 404"),
    "evidence_upload": ("card", "302 405 405 405 405 405 405 405 | 405"),
    "evidence_reference": ("card", "302 405 405 405 405 405 405 405 | 405"),
    "evidence_download": ("card+evidence", "302 200 404 200 404 200 200 404 | 404"),
    "evidence_link": ("card+evidence", "302 405 405 405 405 405 405 405 | 405"),
    "evidence_unlink": ("card+evidence", "302 405 405 405 405 405 405 405 | 405"),
    "evidence_withdraw": ("card+evidence", "302 405 405 405 405 405 405 405 | 405"),
    "verify_period": ("period", "302 200 404 200 200 200 200 404 | 404"),
    "period_comparison": ("period", "302 200 404 200 403 403 403 404 | 404"),
    "assignment_list": ("period", "302 200 404 200 403 403 403 404 | 404"),
    "assignment_allocate": ("period", "302 405 405 405 405 405 405 405 | 405"),
    "assignment_set": ("period+card", "302 405 405 405 405 405 405 405 | 405"),
    "assignment_remove": ("period+card", "302 405 405 405 405 405 405 405 | 405"),
    "verify_scorecard": ("card", "302 200 404 200 404 403 403 404 | 404"),
    "verify_propose": ("card+entry", "302 405 405 405 405 405 405 405 | 405"),
    "verify_decide": ("card+entry", "302 405 405 405 405 405 405 405 | 405"),
    "verify_return": ("card", "302 200 404 200 404 403 403 404 | 404"),
    "verify_finalise": ("card", "302 200 404 200 404 403 403 404 | 404"),
    "verify_comparison": ("card", "302 200 404 200 404 200 200 404 | 404"),
    "explanation_list": ("card", "302 200 404 200 404 200 200 404 | 404"),
    "explanation_answer": ("card+explanation", "302 403 404 403 404 200 200 404 | 404"),
    "period_ranking": ("period", "302 200 404 200 404 404 404 404 | 404"),
    "period_ranking_unit": ("period+card", "302 404 404 404 404 404 404 404 | 404"),
    "period_tie_breaks": ("period", "302 405 405 405 405 405 405 405 | 405"),
    "period_publish": ("period", "302 200 404 200 403 403 403 404 | 404"),
    "year_ballots": ("year", "302 200 404 200 200 200 200 404 | 404"),
    "ballot_create": ("year", "302 200 404 200 403 403 403 404 | 404"),
    "ballot_detail": ("ballot", "302 200 404 200 200 200 200 404 | 404"),
    "ballot_open": ("ballot", "302 200 404 200 403 403 403 404 | 404"),
    "ballot_close": ("ballot", "302 200 404 200 403 403 403 404 | 404"),
    "ballot_next_round": ("ballot", "302 405 405 405 405 405 405 405 | 405"),
    "ballot_vote": ("ballot", "302 403 404 403 403 403 200 404 | 404"),
    "ballot_receipt": ("ballot", "302 200 404 200 200 200 200 404 | 404"),
    "ballot_result": ("ballot", "302 200 404 200 200 200 200 404 | 404"),
    "ballot_decide": ("ballot", "302 403 404 302 403 403 403 404 | 404"),
    "ballot_minutes_pdf": ("ballot", "302 404 404 404 404 404 404 404 | 404"),
    "period_summary_xlsx": ("period", "302 200 404 200 404 404 404 404 | 404"),
    "period_summary_pdf": ("period", "302 302 404 302 404 404 404 404 | 404"),
    "deliberation_detail": ("period", "302 200 404 200 404 404 404 404 | 404"),
    "deliberation_edit": ("period", "302 200 404 200 403 403 403 404 | 404"),
    "deliberation_minutes_pdf": ("period", "302 302 404 302 404 404 404 404 | 404"),
    "award_rules": ("", "302 200 200 403 403 403 403 403 | -"),
    "nomination_detail": ("period", "302 200 404 200 200 200 200 404 | 404"),
    "nomination_prepare": ("period", "302 405 405 405 405 405 405 405 | 405"),
    "nomination_nominees": ("period", "302 200 404 200 403 403 403 404 | 404"),
    "nomination_edit": ("period", "302 200 404 200 403 403 403 404 | 404"),
    "nomination_upload": ("period", "302 405 405 405 405 405 405 405 | 405"),
    "nomination_document_download": ("period+document", "302 200 404 200 200 200 200 404 | 404"),
    "nomination_document_withdraw": ("period+document", "302 405 405 405 405 405 405 405 | 405"),
    "nomination_submit": ("period", "302 200 404 200 403 403 403 404 | 404"),
    "board_nominations": ("", "302 200 200 403 403 403 403 403 | -"),
    "board_nomination_accept": ("nomination", "302 200 404 403 403 403 403 403 | 404"),
    "board_nomination_return": ("nomination", "302 200 404 403 403 403 403 403 | 404"),
    "award_list_xlsx": ("calendar_year", "302 200 200 403 403 403 403 403 | -"),
    "award_list_pdf": ("calendar_year", "302 302 302 403 403 403 403 403 | -"),
    "disclosure_settings": ("calendar_year", "302 200 200 403 403 403 403 403 | -"),
    "disclosure_current": ("", "302 302 302 302 302 302 302 302 | -"),
    "disclosure_detail": ("calendar_year", "302 200 200 200 200 200 200 200 | -"),
    "disclosure_comment": ("calendar_year+nominee", "302 405 405 405 405 405 405 405 | 405"),
    "year_dashboard_current": ("", "302 302 302 403 403 403 403 403 | -"),
    "year_dashboard": ("calendar_year", "302 200 200 403 403 403 403 403 | -"),
    "unit_history": ("unit", "302 200 404 404 404 200 200 404 | 404"),
    "organizer_create": ("", "302 403 403 403 403 403 403 403 | -"),
    "dashboard": ("", "302 200 200 200 200 200 200 200 | -"),
    "my_unit": ("", "302 200 200 200 200 200 200 200 | -"),
    "organizer_settings": ("", "302 200 200 403 403 403 403 403 | -"),
    "organizer_switch": ("", "302 405 405 405 405 405 405 405 | -"),
    "unit_list": ("", "302 200 200 403 403 403 403 403 | -"),
    "unit_create": ("", "302 200 200 403 403 403 403 403 | -"),
    "unit_merge": ("", "302 200 200 403 403 403 403 403 | -"),
    "unit_detail": ("unit", "302 200 404 404 404 200 200 404 | 404"),
    "unit_edit": ("unit", "302 200 404 404 404 403 403 404 | 404"),
    "unit_rename": ("unit", "302 200 404 404 404 403 403 404 | 404"),
    "unit_split": ("unit", "302 200 404 404 404 403 403 404 | 404"),
    "unit_import": ("", "302 200 200 403 403 403 403 403 | -"),
    "unit_import_template": ("", "302 200 200 403 403 403 403 403 | -"),
    "membership_import": ("", "302 200 200 403 403 403 403 403 | -"),
    "membership_import_template": ("", "302 200 200 403 403 403 403 403 | -"),
    "cluster_list": ("", "302 200 200 403 403 403 403 403 | -"),
    "cluster_create": ("", "302 200 200 403 403 403 403 403 | -"),
    "cluster_detail": ("cluster", "302 200 404 200 200 200 200 404 | 404"),
    "cluster_edit": ("cluster", "302 200 404 403 403 403 403 404 | 404"),
    "cluster_year_create": ("cluster", "302 200 404 403 403 403 403 404 | 404"),
    "cluster_year_detail": ("year", "302 200 404 200 200 200 200 404 | 404"),
    "cluster_year_edit": ("year", "302 200 404 403 403 403 403 404 | 404"),
    "cluster_year_theme": ("year", "302 200 404 200 403 403 403 404 | 404"),
    "cluster_year_members": ("year", "302 200 404 403 403 403 403 404 | 404"),
    "cluster_year_decision_file": ("year", "302 200 404 200 200 200 200 404 | 404"),
    "cluster_year_status": ("year", "302 405 405 405 405 405 405 405 | 405"),
    "cluster_year_rotation": ("year", "302 200 404 403 403 403 403 404 | 404"),
    "user_list": ("", "302 200 200 403 403 403 403 403 | -"),
    "user_create": ("", "302 200 200 403 403 403 403 403 | -"),
    "user_edit": ("user", "302 200 404 403 403 403 403 403 | 404"),
    "user_password": ("user", "302 200 404 403 403 403 403 403 | 404"),
    "audit_log": ("", "302 200 200 403 403 403 403 403 | -"),
}
