"""The seed clusters' scoring periods (issue 5), written through the services.

- TP Bắc Kạn 2022: a complete year-end review. Scoring opened on 15/11/2022; all eight
  wards and communes scored themselves with evidence and submitted; the head (phường
  Phùng Chí Kiên) verified the others and the deputy verified the head's own scorecard;
  two scorecards were returned for an explanation (Xuất Hóa on two manual criteria,
  Dương Quang on "no major epidemic"), answered and decided; all eight are final.
- Bắc Ninh 2023: a year-end review mid-way, so a visitor can try each step. Its
  deadlines are set from the day the demo is loaded (self-scoring in 14 days), since
  the demo is loaded long after 2023. Gia Bình and Tiên Du have submitted (Gia Bình
  partly verified by the head, Lương Tài), Yên Phong was returned with a question
  still open, Quế Võ and Thuận Thành are half-way, and TP Bắc Ninh, TP Từ Sơn and
  Lương Tài have not started (log in as ``tuson`` to self-score, ``luongtai`` to verify).

Every member unit gets an officer account (its leader's user name without
"_lanhdao": ``xuathoa``, ``giabinh``…) so each step has a real author.
The articles give no scores: every number here is illustrative.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clusters.demo import DEMO_PASSWORD
from clusters.models import ClusterYear, Profile, Unit
from covenants.demo import BAC_KAN, BAC_NINH, VIETNAM, username_for
from scoring.formulas import CriterionKind
from scoring.models import Entry, Period, Review, Scorecard
from scoring.services.periods import period_create, period_open
from scoring.services.scorecards import (
    entry_save,
    evidence_link,
    evidence_reference,
    evidence_upload,
    scorecard_submit,
)
from scoring.services.verification import (
    entry_decide,
    explanation_answer,
    review_propose,
    scorecard_finalise,
    scorecard_return,
)

D = Decimal
OFFICER_NAMES = [
    "Hoàng Văn Bình", "Lý Thị Cúc", "Triệu Văn Dũng", "Nông Thị Hà", "Đinh Văn Hùng",
    "Lục Thị Lan", "Vi Văn Long", "Hà Thị Mai", "Nguyễn Văn Nam", "Trần Thị Oanh",
    "Phạm Văn Phú", "Lê Thị Quyên", "Đỗ Văn Sơn", "Bùi Thị Thảo",
]  # fmt: skip


def _at(day: int, month: int, year: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def ensure_officers(cluster_year: ClusterYear) -> dict[int, Any]:
    """An officer account per member unit (created when missing); unit id → user."""
    user_model = get_user_model()
    names = list(OFFICER_NAMES)
    officers: dict[int, Any] = {}
    for membership in cluster_year.memberships.select_related("unit").order_by("order"):
        unit = membership.unit
        profile = (
            Profile.objects.filter(unit=unit, role=Profile.Role.OFFICER)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if profile is None:
            username = username_for(unit).removesuffix("_lanhdao")
            if user_model.objects.filter(username=username).exists():
                # e.g. "bacninh" is the board's account: TP Bắc Ninh's officer differs.
                username = f"{username}_canbo"
            user = user_model.objects.filter(username=username).first()
            if user is None:
                full_name = names.pop(0) if names else "Nguyễn Văn Z"
                first, _sep, last = full_name.rpartition(" ")
                user = user_model.objects.create_user(
                    username=username, password=DEMO_PASSWORD, first_name=first, last_name=last
                )
                Profile.objects.create(
                    user=user,
                    role=Profile.Role.OFFICER,
                    unit=unit,
                    position="Công chức Văn phòng"
                    if unit.kind in (Unit.Kind.WARD, Unit.Kind.COMMUNE)
                    else "Chuyên viên Phòng Nội vụ",
                )
            officers[unit.pk] = user
        else:
            officers[unit.pk] = profile.user
    return officers


def _board_user(cluster_year: ClusterYear) -> Any:
    profile = (
        Profile.objects.filter(
            organizer_id=cluster_year.cluster.organizer_id, role=Profile.Role.BOARD
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return profile.user if profile else None


def _save(actor: Any, entry: Entry, values: dict[str, Any], at: dt.datetime) -> Entry:
    entry.refresh_from_db()
    return entry_save(actor=actor, entry=entry, version=entry.version, values=values, at=at)


def _entries(card: Scorecard) -> dict[str, Entry]:
    return {entry.criterion.code: entry for entry in card.entries.select_related("criterion")}


# TP Bắc Kạn 2022 -------------------------------------------------------------------------

# Self-scoring inputs in the rubric's order (scoring/demo.py, BAC_KAN_ROWS):
# I.1 % · I.2 · I.3 · II.1 · II.2 · II.3 · III.1 % · III.2 · IV.1 % · IV.2 · V.1 % · V.2
BAC_KAN_CODES = ["I.1", "I.2", "I.3", "II.1", "II.2", "II.3"]
BAC_KAN_CODES += ["III.1", "III.2", "IV.1", "IV.2", "V.1", "V.2"]
Y, N = True, False
BAC_KAN_SELF = {
    "phường Phùng Chí Kiên": (112, Y, 5, 8, Y, Y, 100, 5, 100, 5, 100, 5),
    "phường Đức Xuân": (105, Y, 4.5, 7.5, Y, Y, 100, 5, 100, 4.5, 100, 5),
    "phường Nguyễn Thị Minh Khai": (98, Y, 4.5, 7.5, Y, Y, 100, 4.5, 100, 4.5, 100, 4.5),
    "phường Sông Cầu": (101, Y, 4, 7, Y, Y, 98, 4.5, 100, 4.5, 100, 4.5),
    "phường Xuất Hóa": (100, Y, 5, 8, Y, Y, 100, 5, 100, 5, 100, 5),
    "phường Huyền Tụng": (95, Y, 4, 7, Y, Y, 97, 4, 100, 4.5, 100, 4),
    "xã Dương Quang": (92, Y, 4, 7.5, Y, Y, 100, 4.5, 90, 4, 100, 4.5),
    "xã Nông Thượng": (100, Y, 4.5, 7, Y, N, 100, 4.5, 100, 4.5, 100, 4.5),
}
# Verifiers' changes without a question: unit → [(code, points, reason)].
BAC_KAN_CHANGES = {
    "phường Sông Cầu": [
        ("I.3", "3.5", "Chưa có báo cáo kết quả mô hình ứng dụng tiến bộ khoa học kỹ thuật."),
    ],
    "phường Phùng Chí Kiên": [
        ("II.1", "7.5", "Còn 02 tổ dân phố chưa đạt danh hiệu Tổ dân phố văn hóa năm 2022."),
    ],
}
# Returned for an explanation: unit → (codes, question, answer, decisions).
BAC_KAN_RETURNS = {
    "phường Xuất Hóa": (
        ["I.3", "II.1"],
        "Đề nghị phường giải trình căn cứ tự chấm điểm tối đa tiêu chí I.3 và II.1: báo cáo "
        "chưa nêu mô hình ứng dụng khoa học kỹ thuật và kết quả bình xét gia đình văn hóa.",
        "Phường đã triển khai 01 mô hình trồng rau an toàn (Quyết định 45/QĐ-UBND ngày "
        "10/3/2022); tỷ lệ gia đình văn hóa đạt 91,5 %, còn 01 tổ dân phố chưa đạt.",
        [
            ("I.3", "4", "Có mô hình nhưng quy mô nhỏ, chưa nhân rộng."),
            ("II.1", "7", "Còn 01 tổ dân phố chưa đạt danh hiệu văn hóa."),
        ],
    ),
    "xã Dương Quang": (
        ["II.3"],
        "Tháng 8/2022 trên địa bàn xã ghi nhận ổ dịch sốt xuất huyết; đề nghị xã giải "
        "trình việc tự chấm đạt tiêu chí II.3.",
        "Ổ dịch có 03 ca bệnh, được khoanh vùng xử lý trong 07 ngày theo Báo cáo số "
        "52/BC-TYT của Trạm Y tế xã; không lây lan, không phải dịch bệnh lớn.",
        [("II.3", "10", "Chấp nhận giải trình: ổ dịch nhỏ, đã được khống chế kịp thời.")],
    ),
}
BAC_KAN_PERIOD = {
    "self_deadline": _at(5, 12, 2022, 17),
    "verification_deadline": _at(15, 12, 2022, 17),
    "explanation_deadline": _at(12, 12, 2022, 17),
}
# A small but valid one-page PDF, uploaded as the head's budget report.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _self_value(kind: str, value: Any) -> dict[str, Any]:
    if kind == CriterionKind.PASS_FAIL:
        return {"passed": bool(value)}
    if kind in (CriterionKind.TARGET_RATIO, CriterionKind.RELATIVE_LEADER):
        return {"achieved": str(value)}
    if kind in (CriterionKind.PER_OCCURRENCE, CriterionKind.BONUS, CriterionKind.DEDUCTION):
        return {"count": int(value)}
    return {"points": str(value)}


def _bac_kan_evidence(officer: Any, card: Scorecard, entries: dict[str, Entry], at) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    budget = evidence_reference(
        actor=officer,
        scorecard=card,
        doc_number="215/BC-UBND",
        doc_date=dt.date(2022, 11, 28),
        doc_issuer=f"UBND {card.unit.name}",
        title="Báo cáo kết quả thu ngân sách năm 2022",
        at=at,
    )
    summary = evidence_reference(
        actor=officer,
        scorecard=card,
        doc_number="210/BC-UBND",
        doc_date=dt.date(2022, 11, 25),
        doc_issuer=f"UBND {card.unit.name}",
        title="Báo cáo tổng kết công tác năm 2022",
        at=at,
    )
    evidence_link(actor=officer, entry=entries["I.1"], evidence=budget, at=at)
    for code in ("III.1", "IV.1", "V.1"):  # one report backs several criteria
        evidence_link(actor=officer, entry=entries[code], evidence=summary, at=at)
    if card.unit_id == card.period.cluster_year.head_unit_id:
        upload = evidence_upload(
            actor=officer,
            scorecard=card,
            uploaded_file=SimpleUploadedFile(
                "bao-cao-thu-ngan-sach-2022.pdf", TINY_PDF, content_type="application/pdf"
            ),
            title="Bản chụp báo cáo thu ngân sách (có dấu)",
            at=at,
        )
        evidence_link(actor=officer, entry=entries["I.1"], evidence=upload, at=at)


def load_bac_kan_year_end() -> Period | None:
    year = ClusterYear.objects.filter(
        cluster__organizer__name=BAC_KAN["organizer"], year=BAC_KAN["year"]
    ).first()
    if year is None or Period.objects.filter(cluster_year=year).exists():
        return None
    officers = ensure_officers(year)
    board = _board_user(year)
    head, deputy = officers[year.head_unit_id], officers[year.deputy_unit_id]
    period = period_create(
        actor=board, cluster_year=year, kind=Period.Kind.YEAR_END, **BAC_KAN_PERIOD
    )
    period = period_open(actor=board, period=period, at=_at(15, 11, 2022, 8))
    cards = {card.unit.name: card for card in period.scorecards.select_related("unit")}
    # Self-scoring, evidence, submission (28/11 – 02/12/2022).
    for number, (unit_name, values) in enumerate(BAC_KAN_SELF.items()):
        card = cards[unit_name]
        officer = officers[card.unit_id]
        entries = _entries(card)
        at = _at(28, 11, 2022, 8 + number)
        for code, value in zip(BAC_KAN_CODES, values, strict=True):
            _save(officer, entries[code], _self_value(entries[code].criterion.kind, value), at)
        _bac_kan_evidence(officer, card, entries, at)
        card.refresh_from_db()
        scorecard_submit(actor=officer, scorecard=card, at=_at(2, 12, 2022, 8 + number))
    # Verification (06/12/2022): changes with a reason, and two questions.
    verify_at = _at(6, 12, 2022, 14)
    for unit_name, changes in BAC_KAN_CHANGES.items():
        card = cards[unit_name]
        own = card.unit_id == year.head_unit_id
        actor, role = (deputy, Review.Role.DEPUTY) if own else (head, Review.Role.HEAD)
        entries = _entries(card)
        for code, points, reason in changes:
            review_propose(
                actor=actor, entry=entries[code], role=role, points=D(points), reason=reason,
                at=verify_at,
            )  # fmt: skip
    for unit_name, (codes, question, answer, decisions) in BAC_KAN_RETURNS.items():
        card = cards[unit_name]
        entries = _entries(card)
        card.refresh_from_db()
        request = scorecard_return(
            actor=head,
            scorecard=card,
            role=Review.Role.HEAD,
            entries=[entries[code] for code in codes],
            question=question,
            deadline=_at(9, 12, 2022, 17),
            at=verify_at,
        )
        officer = officers[card.unit_id]
        explanation_answer(actor=officer, request=request, answer=answer, at=_at(8, 12, 2022, 10))
        card.refresh_from_db()
        scorecard_submit(actor=officer, scorecard=card, at=_at(8, 12, 2022, 10, 30))
        for code, points, reason in decisions:
            entry_decide(
                actor=head, entry=entries[code], role=Review.Role.HEAD, points=D(points),
                reason=reason, at=_at(12, 12, 2022, 9),
            )  # fmt: skip
    # Finalisation (14/12/2022): the head, and the deputy for the head's own scorecard.
    for card in period.scorecards.select_related("unit").order_by("pk"):
        card.refresh_from_db()
        own = card.unit_id == year.head_unit_id
        actor, role = (deputy, Review.Role.DEPUTY) if own else (head, Review.Role.HEAD)
        scorecard_finalise(actor=actor, scorecard=card, role=role, at=_at(14, 12, 2022, 15))
    return period


# Bắc Ninh 2023 ---------------------------------------------------------------------------


def _generic_value(kind: str, maximum: Decimal, target: Decimal | None, spread: int) -> dict:
    """An illustrative input for any kind; ``spread`` (0–9) varies it by unit."""
    if kind == CriterionKind.PASS_FAIL:
        return {"passed": spread != 7}
    if kind in (CriterionKind.TARGET_RATIO, CriterionKind.RELATIVE_LEADER):
        base = target if target else D(10)
        return {"achieved": str((base * D(90 + spread * 3) / D(100)).quantize(D("0.01")))}
    if kind == CriterionKind.PER_OCCURRENCE:
        return {"count": 1 + spread % 3}
    if kind == CriterionKind.BONUS:
        return {"count": spread % 3}
    if kind == CriterionKind.DEDUCTION:
        return {"count": 1 if spread == 5 else 0}
    return {"points": str((maximum * D(80 + spread * 2) / D(100)).quantize(D("0.5")))}


def _fill(officer: Any, card: Scorecard, *, share: float, spread: int, at) -> None:  # type: ignore[no-untyped-def]
    entries = sorted(_entries(card).values(), key=lambda e: (e.criterion.order, e.criterion.pk))
    from scoring.services.computation import unit_targets

    report = evidence_reference(
        actor=officer,
        scorecard=card,
        doc_number=f"{300 + spread}/BC-UBND",
        doc_date=timezone.localtime(at).date() - dt.timedelta(days=1),
        doc_issuer=card.unit.name,
        title="Báo cáo kết quả thực hiện nhiệm vụ năm 2023",
        at=at,
    )
    for entry in entries[: max(1, round(len(entries) * share))]:
        criterion = entry.criterion
        target = unit_targets(criterion, [card.unit_id])[card.unit_id]
        _save(
            officer, entry, _generic_value(criterion.kind, criterion.max_points, target, spread), at
        )
        if criterion.evidence_required:
            evidence_link(actor=officer, entry=entry, evidence=report, at=at)


def load_bac_ninh_mid_way() -> Period | None:
    year = ClusterYear.objects.filter(
        cluster__organizer__name=BAC_NINH["organizer"], year=BAC_NINH["year"]
    ).first()
    if year is None or Period.objects.filter(cluster_year=year).exists():
        return None
    officers = ensure_officers(year)
    board = _board_user(year)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    period = period_create(
        actor=board,
        cluster_year=year,
        kind=Period.Kind.YEAR_END,
        self_deadline=now + dt.timedelta(days=14),
        verification_deadline=now + dt.timedelta(days=28),
        explanation_deadline=now + dt.timedelta(days=35),
    )
    period = period_open(actor=board, period=period, at=now - dt.timedelta(days=7))
    cards = {
        card.unit.short_name or card.unit.name: card
        for card in period.scorecards.select_related("unit")
    }
    plan = {"Gia Bình": 1.0, "Tiên Du": 1.0, "Yên Phong": 1.0, "Quế Võ": 0.6, "Thuận Thành": 0.3}
    for spread, (name, share) in enumerate(plan.items()):
        card = cards[name]
        officer = officers[card.unit_id]
        _fill(officer, card, share=share, spread=spread, at=now - dt.timedelta(days=5 - spread))
        if share == 1.0:
            card.refresh_from_db()
            scorecard_submit(actor=officer, scorecard=card, at=now - dt.timedelta(days=2))
    head = officers[year.head_unit_id]
    gia_binh = _entries(cards["Gia Bình"])
    first_codes = sorted(gia_binh.values(), key=lambda e: (e.criterion.order, e.criterion.pk))[:3]
    for entry in first_codes:
        entry.refresh_from_db()
        points = entry.self_points or D(0)
        review_propose(
            actor=head, entry=entry, role=Review.Role.HEAD, points=points, reason="",
            at=now - dt.timedelta(days=1),
        )  # fmt: skip
    yen_phong = cards["Yên Phong"]
    deductions = [e for e in _entries(yen_phong).values() if e.criterion.kind == "deduction"]
    yen_phong.refresh_from_db()
    scorecard_return(
        actor=head,
        scorecard=yen_phong,
        role=Review.Role.HEAD,
        entries=deductions[:1] or list(_entries(yen_phong).values())[:1],
        question="Đề nghị huyện giải trình việc không tự trừ điểm: năm 2023 có cán bộ bị kỷ "
        "luật khiển trách theo Quyết định 118/QĐ-UBND.",
        deadline=now + dt.timedelta(days=10),
        at=now - dt.timedelta(hours=20),
    )
    return period


def load_year_end_demo() -> list[Period]:
    with transaction.atomic():
        made = [load_bac_kan_year_end(), load_bac_ninh_mid_way()]
    return [period for period in made if period is not None]
